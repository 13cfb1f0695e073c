import { ValueKind, type Column } from '../../storage/columns.js';
import type { Scalar } from '../values.js';

/**
 * The Arrow type of one value column of an answer. 0.8 has no schema, so it is read from the
 * kinds the answer's rows hold (a `KindSet`): one kind keeps its natural type, floats and ints
 * together are Float64 while every int is exact in a double, and any other mix is `text`
 * (utf8 holding each value's JSON text: `1.5`, `true`, `"a"`), so no value is changed.
 */
export type ArrowColumnType = 'float64' | 'int64' | 'bool' | 'utf8' | 'text';

/** A bit per value kind a column holds, and one for an int beyond ±2^53. Union with `|`. */
export type KindSet = number;

const FLOAT = 1 << ValueKind.Float;
const INT = 1 << ValueKind.Int;
const BOOL = 1 << ValueKind.Bool;
const STRING = 1 << ValueKind.String;
const WIDE_INT = 1 << 7;
export { FLOAT as FLOAT_KIND, INT as INT_KIND, WIDE_INT as WIDE_INT_KIND };
/** Ints whose high word is within this range are below 2^53 in magnitude. */
const HIGH_WORD_SAFE = 0x200000;

export function columnTypeOf(kinds: KindSet): ArrowColumnType {
  const values = kinds & ~WIDE_INT;
  if (values === FLOAT || values === 0) return 'float64';
  if (values === INT) return 'int64';
  if (values === BOOL) return 'bool';
  if (values === STRING) return 'utf8';
  if (values === (FLOAT | INT) && (kinds & WIDE_INT) === 0) return 'float64';
  return 'text';
}

/** The kinds held by rows [from, to) of a column. */
export function kindsOf(column: Column, from: number, to: number): KindSet {
  if (column.uniformKind !== undefined) return column.uniformKind === ValueKind.Int ? intKinds(column, from, to) : bitOf(column.uniformKind);
  let set = 0;
  const { kinds } = column;
  for (let i = from; i < to; i++) set |= 1 << kinds[i]!;
  set &= FLOAT | INT | BOOL | STRING;
  return set & INT ? set | intKinds(column, from, to) : set;
}

/** The kind of one value (null holds none). */
export function kindOfScalar(value: Scalar): KindSet {
  if (typeof value === 'number') return FLOAT;
  if (typeof value === 'bigint') return INT;
  if (typeof value === 'boolean') return BOOL;
  return typeof value === 'string' ? STRING : 0;
}

function bitOf(kind: ValueKind): KindSet {
  return (1 << kind) & (FLOAT | INT | BOOL | STRING);
}

/** INT, with WIDE_INT when an int of the rows does not fit a double exactly. */
function intKinds(column: Column, from: number, to: number): KindSet {
  const words = new Int32Array(column.floats.buffer, column.floats.byteOffset, column.floats.length * 2);
  const { kinds } = column;
  for (let i = from; i < to; i++) {
    if (kinds[i] !== ValueKind.Int) continue;
    const high = words[2 * i + 1]!;
    if (high < -HIGH_WORD_SAFE || high >= HIGH_WORD_SAFE) return INT | WIDE_INT;
  }
  return INT;
}
