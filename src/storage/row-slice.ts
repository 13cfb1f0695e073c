import type { SeriesColumns } from './columns.js';

/** Rows [from, to) of `rows` as views over the same buffers: nothing is copied. */
export function sliceRows(rows: SeriesColumns, from: number, to: number): SeriesColumns {
  if (from === 0 && to === rows.count) return rows;
  return {
    series: rows.series,
    count: to - from,
    time: rows.time.subarray(from, to),
    seq: rows.seq.subarray(from, to),
    columns: rows.columns.map((c) => ({
      name: c.name,
      kinds: c.kinds.subarray(from, to),
      floats: c.floats.subarray(from, to),
      ints: c.ints.subarray(from, to),
      strings: c.strings,
      uniformKind: c.uniformKind,
    })),
  };
}

/** The first row index whose time is ≥ `time` (rows sorted by time). */
export function firstAtOrAfter(rows: SeriesColumns, time: number): number {
  let low = 0;
  let high = rows.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows.time[mid]! < time) low = mid + 1;
    else high = mid;
  }
  return low;
}
