import { ValueKind } from '../../storage/columns.js';
import type { Aggregate } from './aggregate.js';
import { selectKth } from './select-kth.js';

/** Every numeric value of the bucket, kept exactly (a rank needs them all): values[0, length). */
export interface ValuesState {
  values: Float64Array;
  length: number;
}

/** Room for `more` values after the current ones, doubling so appends stay amortised O(1). */
function reserve(state: ValuesState, more: number): Float64Array {
  const needed = state.length + more;
  if (needed > state.values.length) {
    const grown = new Float64Array(Math.max(needed, state.values.length * 2));
    grown.set(state.values.subarray(0, state.length));
    state.values = grown;
  }
  return state.values;
}

/**
 * percentile(x, p) and median(x) = percentile(x, 50), as 0.8 ranks (functions.md §4): the
 * sorted values' element at floor(n·p/100 + 0.5) − 1, or 0 when that index is negative;
 * null when the group has rows but no numeric value (Project rule).
 */
export function percentile(p: number): Aggregate<ValuesState> {
  return {
    width: 1,
    empty: () => ({ values: new Float64Array(0), length: 0 }),
    update(state, rows, from, to) {
      const { kinds, floats, ints } = rows.values;
      const values = reserve(state, to - from);
      let n = state.length;
      for (let i = from; i < to; i++) {
        const kind = kinds[i];
        if (kind === ValueKind.Float) values[n++] = floats[i]!;
        else if (kind === ValueKind.Int) values[n++] = Number(ints[i]!);
      }
      state.length = n;
    },
    merge(into, other) {
      reserve(into, other.length).set(other.values.subarray(0, other.length), into.length);
      into.length += other.length;
    },
    finish(state) {
      const n = state.length;
      if (n === 0) return [[null]];
      const index = Math.floor((n * p) / 100 + 0.5) - 1;
      if (index < 0) return [[0]];
      // Selecting reorders the values, which is fine: a state is finished once.
      return [[selectKth(state.values.subarray(0, n), Math.min(index, n - 1))]];
    },
  };
}
