import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../../src/storage/columns.js';

/** A value as a test writes it: number = Float, bigint = Int. */
export type Value = null | number | bigint | boolean | string;
export interface Row {
  readonly time: number;
  readonly values: Readonly<Record<string, Value>>;
}

export const T0 = 1_700_000_000_000_000;

/** One column from plain values: number = Float, bigint = Int, strings by table index. */
export function columnFromValues(name: string, values: readonly Value[]): Column {
  const column = allocateColumn(name, values.length);
  values.forEach((value, i) => {
    if (value === null) return;
    if (typeof value === 'number') [column.kinds[i], column.floats[i]] = [ValueKind.Float, value];
    else if (typeof value === 'bigint') [column.kinds[i], column.ints[i]] = [ValueKind.Int, value];
    else if (typeof value === 'boolean') [column.kinds[i], column.floats[i]] = [ValueKind.Bool, value ? 1 : 0];
    else {
      column.kinds[i] = ValueKind.String;
      column.floats[i] = column.strings.push(value) - 1;
    }
  });
  return column;
}

/** Build series columns the way a memtable would: one slot per row, strings by table index. */
export function seriesOf(series: string, rows: readonly Row[], seqStride = 10_000_000): SeriesColumns {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.values)))];
  const columns = names.map((name) => columnFromValues(name, rows.map((row) => row.values[name] ?? null)));
  return {
    series,
    count: rows.length,
    time: Float64Array.from(rows, (row) => row.time),
    seq: Float64Array.from(rows, (_, i) => 1 + i * seqStride),
    columns,
  };
}

/** The rows back as plain values; floats as [bits] so -0, NaN payloads and 0 stay distinct. */
export function rowsOf(data: SeriesColumns): unknown[] {
  const bits = new BigUint64Array(1);
  const asFloat = new Float64Array(bits.buffer);
  const rows: unknown[] = [];
  for (let i = 0; i < data.count; i++) {
    const values: Record<string, unknown> = {};
    for (const column of data.columns) {
      switch (column.kinds[i]) {
        case ValueKind.Null:
          values[column.name] = null;
          break;
        case ValueKind.Float:
          asFloat[0] = column.floats[i]!;
          values[column.name] = { float: column.floats[i], bits: bits[0]!.toString(16) };
          break;
        case ValueKind.Int:
          values[column.name] = column.ints[i];
          break;
        case ValueKind.Bool:
          values[column.name] = column.floats[i] === 1;
          break;
        case ValueKind.String:
          values[column.name] = column.strings[column.floats[i]!];
          break;
      }
    }
    rows.push({ time: data.time[i], seq: data.seq[i], values });
  }
  return rows;
}


/** Fixtures every codec must round-trip. */
export const EVERY_KIND_WITH_NULLS: Row[] = [
  { time: T0, values: { f: 1.5, i: 7n, b: true, s: 'up', gone: null } },
  { time: T0 + 10, values: { f: null, i: null, b: null, s: null, gone: null } },
  { time: T0 + 20, values: { f: -3.25, i: -9n, b: false, s: 'down', gone: null } },
];

/** One column holding every kind, int64 extremes among them. */
export const MIXED_KINDS: Row[] = [1.25, 2n ** 63n - 1n, 'text', null, true, -(2n ** 63n), 0.1 + 0.2, '', false].map((v, i) => ({
  time: T0 + i,
  values: { v },
}));

export const AWKWARD_FLOATS = [0.1 + 0.2, 1e300, -0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 1 / 3, -1e-300];

export const STRINGS = ['', 'héllo', '日本語', '🦀 crab', 'a\u0000b', '', 'héllo', 'line\nbreak', '🦀 crab'];
export const DISTINCT_STRINGS = ['', 'héllo', '日本語', '🦀 crab', 'a\u0000b', 'line\nbreak'];

/** One row per value, each at its own time, in a column `name`. */
export function columnOf(series: string, values: readonly Value[], name = 'v'): SeriesColumns {
  return seriesOf(
    series,
    values.map((v, i) => ({ time: T0 + i, values: { [name]: v } })),
  );
}

/** Name, row count, column order and rows: everything a round trip must keep. */
export function summaryOf(data: SeriesColumns): unknown {
  return { series: data.series, count: data.count, columns: data.columns.map((c) => c.name), rows: rowsOf(data) };
}
