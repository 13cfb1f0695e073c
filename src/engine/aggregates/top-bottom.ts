import { compareRankedValues, scalarAt, type Scalar } from '../values.js';
import { scannedBefore, type Aggregate, type ScanOrder } from './aggregate.js';

export interface Candidate {
  value: Scalar;
  time: number;
  seq: number;
}

/** The best N rows so far, best first. The best N of a union are among both sides' best N. */
export interface RankedState {
  kept: Candidate[];
}

/**
 * top(x, N) / bottom(x, N) (functions.md §4): ints and floats compared numerically, other
 * types by the §1.3 type order, ties to the earlier-scanned row (Project rules). Output is
 * best first — descending for top, ascending for bottom — with bools and nulls shown as null.
 */
export function ranked(direction: 'top' | 'bottom', n: number, order: ScanOrder): Aggregate<RankedState> {
  const sign = direction === 'top' ? -1 : 1;
  const before = (a: Candidate, b: Candidate): boolean => {
    const byValue = sign * compareRankedValues(a.value, b.value);
    return byValue !== 0 ? byValue < 0 : scannedBefore(order, a.time, a.seq, b.time, b.seq);
  };
  const keep = (kept: Candidate[], candidate: Candidate): void => {
    if (kept.length === n && !before(candidate, kept[n - 1]!)) return;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(kept[mid]!, candidate)) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, candidate);
    if (kept.length > n) kept.pop();
  };
  return {
    width: 1,
    empty: () => ({ kept: [] }),
    update(state, rows, from, to) {
      for (let i = from; i < to; i++) {
        keep(state.kept, { value: scalarAt(rows.values, i), time: rows.time[i]!, seq: rows.seq[i]! });
      }
    },
    merge(into, other) {
      for (const candidate of other.kept) keep(into.kept, candidate);
    },
    finish: (state) =>
      state.kept.map(({ value }) => [typeof value === 'boolean' || value === null ? null : value]),
  };
}
