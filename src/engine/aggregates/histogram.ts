import { numericAt } from '../values.js';
import type { Aggregate } from './aggregate.js';

/** Rows per bucket index trunc(x / size); non-numeric and null values count as 0. */
export interface HistogramState {
  counts: Map<number, number>;
}

/** histogram(x, size): rows (bucket_start, count), ascending bucket_start (Project rule). */
export function histogram(size: number): Aggregate<HistogramState> {
  return {
    width: 2,
    empty: () => ({ counts: new Map() }),
    update(state, rows, from, to) {
      for (let i = from; i < to; i++) {
        const x = numericAt(rows.values, i);
        const index = Number.isNaN(x) ? 0 : Math.trunc(x / size);
        state.counts.set(index, (state.counts.get(index) ?? 0) + 1);
      }
    },
    merge(into, other) {
      for (const [index, n] of other.counts) into.counts.set(index, (into.counts.get(index) ?? 0) + n);
    },
    finish(state) {
      // + 0 turns the -0 of small negative values (trunc toward zero) into bucket 0. Sorted by
      // start, not index: a negative size runs the indices the other way.
      return [...state.counts].map(([index, n]) => [index * size + 0, n]).sort(([a], [b]) => a! - b!);
    },
  };
}
