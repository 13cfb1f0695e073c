import { ValueKind, type Column } from './columns.js';

/**
 * A bit per value kind a column holds, and one for an int beyond ±2^53. Union with `|`.
 * Block headers record one per column, so scans can answer "what kinds are here" without
 * decoding; answers' schemas (Arrow types) are chosen from them above this layer.
 */
export type KindSet = number;

export const FLOAT_KIND = 1 << ValueKind.Float;
export const INT_KIND = 1 << ValueKind.Int;
export const BOOL_KIND = 1 << ValueKind.Bool;
export const STRING_KIND = 1 << ValueKind.String;
export const WIDE_INT_KIND = 1 << 7;
/** Ints whose high word is within this range are below 2^53 in magnitude. */
const HIGH_WORD_SAFE = 0x200000;

/** The kinds held by rows [from, to) of a column. */
export function kindsOf(column: Column, from: number, to: number): KindSet {
  if (column.uniformKind !== undefined) return column.uniformKind === ValueKind.Int ? intKinds(column, from, to) : bitOf(column.uniformKind);
  let set = 0;
  const { kinds } = column;
  for (let i = from; i < to; i++) set |= 1 << kinds[i]!;
  set &= FLOAT_KIND | INT_KIND | BOOL_KIND | STRING_KIND;
  return set & INT_KIND ? set | intKinds(column, from, to) : set;
}

function bitOf(kind: ValueKind): KindSet {
  return (1 << kind) & (FLOAT_KIND | INT_KIND | BOOL_KIND | STRING_KIND);
}

/** INT_KIND, with WIDE_INT_KIND when an int of the rows does not fit a double exactly. */
function intKinds(column: Column, from: number, to: number): KindSet {
  const words = new Int32Array(column.floats.buffer, column.floats.byteOffset, column.floats.length * 2);
  const { kinds } = column;
  for (let i = from; i < to; i++) {
    if (kinds[i] !== ValueKind.Int) continue;
    const high = words[2 * i + 1]!;
    if (high < -HIGH_WORD_SAFE || high >= HIGH_WORD_SAFE) return INT_KIND | WIDE_INT_KIND;
  }
  return INT_KIND;
}
