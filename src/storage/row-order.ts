import { allocateColumn, isConstantColumn, type SeriesColumns } from './columns.js';

/**
 * Row indices ordered by (time, seq), ties kept in arrival order. A natural merge sort: rows
 * arrive nearly sorted (concurrent writers only swap neighbouring batches), so it finds the
 * ascending runs and merges them pairwise, O(n log runs) with the comparisons inline.
 */
export function sortOrder(time: Float64Array, seq: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const before = (a: number, b: number): boolean => time[a]! < time[b]! || (time[a] === time[b] && seq[a]! < seq[b]!);
  let bounds = [0];
  for (let i = 1; i < n; i++) if (before(i, i - 1)) bounds.push(i);
  bounds.push(n);
  let spare = new Uint32Array(n);
  while (bounds.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r]!;
      const mid = bounds[r + 1]!;
      const hi = r + 2 < bounds.length ? bounds[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      // On equal keys the left run wins, which keeps arrival order (the sort is stable).
      while (i < mid && j < hi) spare[k++] = before(order[j]!, order[i]!) ? order[j++]! : order[i++]!;
      while (i < mid) spare[k++] = order[i++]!;
      while (j < hi) spare[k++] = order[j++]!;
      merged.push(hi);
    }
    [order, spare] = [spare, order];
    bounds = merged;
  }
  return order;
}

/** Gather rows in the given order into fresh arrays. */
export function permute(rows: SeriesColumns, order: Uint32Array): SeriesColumns {
  const n = order.length;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = rows.time[order[i]!]!;
    seq[i] = rows.seq[order[i]!]!;
  }
  const columns = rows.columns.map((source) => {
    // Every row of a constant column is the same: in any order it is itself.
    if (isConstantColumn(source) && source.kinds.length === n) return source;
    const target = allocateColumn(source.name, n);
    for (let i = 0; i < n; i++) {
      target.kinds[i] = source.kinds[order[i]!]!;
      target.floats[i] = source.floats[order[i]!]!;
    }
    for (const s of source.strings) target.strings.push(s);
    // The same rows in another order: a column of one kind stays one.
    if (source.uniformKind !== undefined) target.uniformKind = source.uniformKind;
    return target;
  });
  return { series: rows.series, count: n, time, seq, columns };
}
