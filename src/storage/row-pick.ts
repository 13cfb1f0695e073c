import type { SeriesColumns } from './columns.js';

/** New arrays holding rows `keep` of `rows`, in that order. */
export function pickRows(rows: SeriesColumns, keep: readonly number[]): SeriesColumns {
  const n = keep.length;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  keep.forEach((from, to) => {
    time[to] = rows.time[from]!;
    seq[to] = rows.seq[from]!;
  });
  const columns = rows.columns.map((column) => {
    const buffer = new ArrayBuffer(n * 8);
    const kinds = new Uint8Array(n);
    const floats = new Float64Array(buffer);
    // Copied as 32-bit words: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
    const from32 = new Uint32Array(column.floats.buffer, column.floats.byteOffset, column.floats.length * 2);
    const to32 = new Uint32Array(buffer);
    keep.forEach((from, to) => {
      kinds[to] = column.kinds[from]!;
      to32[2 * to] = from32[2 * from]!;
      to32[2 * to + 1] = from32[2 * from + 1]!;
    });
    return { name: column.name, kinds, floats, ints: new BigInt64Array(buffer), strings: column.strings };
  });
  return { series: rows.series, count: n, time, seq, columns };
}
