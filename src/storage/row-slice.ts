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

/** The first of rows [from, count) whose time is ≥ `t` (times sorted ascending). */
export function lowerBound(time: Float64Array, count: number, t: number, from = 0): number {
  // A bound outside the rows, the usual case for a block inside a query's range, is settled by
  // the two ends: a search's probes each touch a cache line of a block scans find cold in memory.
  if (count <= from || time[from]! >= t) return from;
  if (time[count - 1]! < t) return count;
  let low = from;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (time[mid]! < t) low = mid + 1;
    else high = mid;
  }
  return low;
}
