import { byteOrder } from '../util/byte-order.js';
import { ValueKind, type Column } from '../storage/columns.js';

/**
 * One output cell of the engine. Ints keep their 64-bit value as a bigint so an int column
 * read back through first/last/top/bottom stays exact; floats are numbers.
 */
export type Scalar = null | boolean | number | bigint | string;

/** The value of row `i` with its original type. */
export function scalarAt(column: Column, i: number): Scalar {
  switch (column.kinds[i]) {
    case ValueKind.Float:
      return column.floats[i]!;
    case ValueKind.Int:
      return column.ints[i]!;
    case ValueKind.Bool:
      return column.floats[i] !== 0;
    case ValueKind.String:
      return column.strings[column.floats[i]!]!;
    default:
      return null;
  }
}

/** Stores `value` with its type at row `i` (a string goes to the column's table). */
export function setScalar(column: Column, i: number, value: Scalar): void {
  if (typeof value === 'number') {
    column.kinds[i] = ValueKind.Float;
    column.floats[i] = value;
  } else if (typeof value === 'bigint') {
    column.kinds[i] = ValueKind.Int;
    column.ints[i] = value;
  } else if (typeof value === 'boolean') {
    column.kinds[i] = ValueKind.Bool;
    column.floats[i] = value ? 1 : 0;
  } else if (typeof value === 'string') {
    column.kinds[i] = ValueKind.String;
    column.floats[i] = column.strings.push(value) - 1;
  } else {
    column.kinds[i] = ValueKind.Null;
  }
}

/**
 * The value of row `i` as distinct and mode see it: ints become floats (`1` and `1.0` are one
 * value), other types are kept. Usable directly as a Map key, since Map keys never equate
 * values of different JS types.
 */
export function floatedScalarAt(column: Column, i: number): Scalar {
  return column.kinds[i] === ValueKind.Int ? Number(column.ints[i]!) : scalarAt(column, i);
}

/** Row `i` as a float if it is numeric, else NaN (no stored value is NaN: JSON has none). */
export function numericAt(column: Column, i: number): number {
  const kind = column.kinds[i];
  if (kind === ValueKind.Float) return column.floats[i]!;
  if (kind === ValueKind.Int) return Number(column.ints[i]!);
  return Number.NaN;
}

/** Rank of a value's type in the §1.3 order: false < true < ints < floats < strings < null. */
function typeRank(value: Scalar, numbersTogether: boolean): number {
  if (typeof value === 'boolean') return 0;
  if (typeof value === 'bigint') return 1;
  if (typeof value === 'number') return numbersTogether ? 1 : 2;
  if (typeof value === 'string') return 3;
  return 4;
}

/** Exact comparison of an int64 and a float. */
function compareIntFloat(int: bigint, float: number): number {
  if (Number.isNaN(float)) return -1;
  if (float === Infinity) return -1;
  if (float === -Infinity) return 1;
  const whole = Math.floor(float);
  const big = BigInt(whole);
  if (int !== big) return int < big ? -1 : 1;
  return whole === float ? 0 : -1;
}

function compareSameRank(a: Scalar, b: Scalar): number {
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (typeof a === 'string' && typeof b === 'string') return byteOrder(a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'number') return compareIntFloat(a, b);
  if (typeof a === 'number' && typeof b === 'bigint') return -compareIntFloat(b, a);
  return 0;
}

/**
 * Group-by values in the §1.3 order (ints before floats, whatever their magnitude: groups
 * are compared with their exact type).
 */
export function compareGroupValues(a: Scalar, b: Scalar): number {
  const rank = typeRank(a, false) - typeRank(b, false);
  return rank !== 0 ? rank : compareSameRank(a, b);
}

/** top/bottom order: the §1.3 type order, but ints and floats compared numerically (Project rule). */
export function compareRankedValues(a: Scalar, b: Scalar): number {
  const rank = typeRank(a, true) - typeRank(b, true);
  return rank !== 0 ? rank : compareSameRank(a, b);
}

/** Identity of a group: its values with their exact types (int 1 and float 1.0 differ, §1.2). */
export function groupKey(group: readonly Scalar[]): string {
  return JSON.stringify(group.map((value) => [typeof value, value === null ? null : String(value)]));
}
