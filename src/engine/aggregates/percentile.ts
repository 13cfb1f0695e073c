import { ValueKind } from '../../storage/columns.js';
import type { Aggregate } from './aggregate.js';
import { selectKth } from './select-kth.js';

/**
 * Every numeric value of the bucket, kept exactly (a rank needs them all). A plain array of
 * doubles lives in V8's heap: a typed array over 64 bytes gets a buffer of its own outside it,
 * and a bucket's few dozen values (Q8: 60 per 10-minute bucket, 167 buckets) then cost an
 * allocation each time it grew, with a finaliser for the collector.
 */
export interface ValuesState {
  values: number[];
}

/**
 * percentile(x, p) and median(x) = percentile(x, 50), as 0.8 ranks (functions.md §4): the
 * sorted values' element at floor(n·p/100 + 0.5) − 1, or 0 when that index is negative;
 * null when the group has rows but no numeric value (Project rule).
 */
export function percentile(p: number): Aggregate<ValuesState> {
  return {
    width: 1,
    empty: () => ({ values: [] }),
    update(state, rows, from, to) {
      const { kinds, floats, ints } = rows.values;
      const { values } = state;
      for (let i = from; i < to; i++) {
        const kind = kinds[i];
        if (kind === ValueKind.Float) values.push(floats[i]!);
        else if (kind === ValueKind.Int) values.push(Number(ints[i]!));
      }
    },
    merge(into, other) {
      for (const value of other.values) into.values.push(value);
    },
    finish(state) {
      const n = state.values.length;
      if (n === 0) return [[null]];
      const index = Math.floor((n * p) / 100 + 0.5) - 1;
      if (index < 0) return [[0]];
      // Selecting reorders the values, which is fine: a state is finished once.
      return [[selectKth(state.values, Math.min(index, n - 1))]];
    },
  };
}
