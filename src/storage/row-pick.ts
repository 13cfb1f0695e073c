import { slotWords, type SeriesColumns } from './columns.js';

/** New arrays holding rows `keep` of `rows`, in that order; strings keep the source's table. */
export function pickRows(rows: SeriesColumns, keep: ArrayLike<number>): SeriesColumns {
  const n = keep.length;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  for (let to = 0; to < n; to++) {
    time[to] = rows.time[keep[to]!]!;
    seq[to] = rows.seq[keep[to]!]!;
  }
  const columns = rows.columns.map((column) => {
    const buffer = new ArrayBuffer(n * 8);
    const kinds = new Uint8Array(n);
    // Copied as 32-bit words: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
    const from32 = slotWords(column.floats);
    const to32 = new Uint32Array(buffer);
    for (let to = 0; to < n; to++) {
      const from = keep[to]!;
      kinds[to] = column.kinds[from]!;
      to32[2 * to] = from32[2 * from]!;
      to32[2 * to + 1] = from32[2 * from + 1]!;
    }
    return { name: column.name, kinds, floats: new Float64Array(buffer), ints: new BigInt64Array(buffer), strings: column.strings };
  });
  return { series: rows.series, count: n, time, seq, columns };
}
