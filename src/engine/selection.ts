import { ValueKind, type Column } from '../storage/columns.js';

/*
 * Selection vectors: the ascending indices of a block's rows that an operator keeps, which is
 * what gather() and aggregation take. (The where clause itself answers a byte mask per block,
 * operators/where-filter.ts.)
 */

/** Ascending row indices of a block. */
export type Selection = Uint32Array;

/** Every row of a block of `rows` rows. */
export function allRows(rows: number): Selection {
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = i;
  return out;
}

/** First index whose element is >= `value` in an ascending array. */
export function lowerBound(sorted: Float64Array | Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `selection` whose time lies in [start, end) (query-language.md §6.4). Time is
 * sorted, so the range is found by binary search, not by testing every row.
 */
export function restrictToTimeRange(time: Float64Array, selection: Selection, start: number, end: number): Selection {
  const from = lowerBound(time, start);
  const to = lowerBound(time, end);
  return selection.subarray(lowerBound(selection, from), lowerBound(selection, to));
}

/**
 * Rows where at least one referenced column has a value: only those exist for a query
 * (query-language.md §9.3) and are fed to aggregates.
 */
export function rowsWithAnyValue(columns: readonly Column[], selection: Selection): Selection {
  const out = new Uint32Array(selection.length);
  let n = 0;
  for (let s = 0; s < selection.length; s++) {
    const row = selection[s]!;
    for (let c = 0; c < columns.length; c++) {
      if (columns[c]!.kinds[row] !== ValueKind.Null) {
        out[n++] = row;
        break;
      }
    }
  }
  return out.slice(0, n);
}
