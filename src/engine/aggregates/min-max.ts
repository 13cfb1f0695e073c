import { ValueKind } from '../../storage/columns.js';
import type { Aggregate } from './aggregate.js';

/**
 * min/max over numeric values; a group without any is null (Project rule, functions.md §4).
 * `value` holds the largest of sign × x, so min is max over negated values and both share
 * one loop without a comparator call per row.
 */
export interface ExtremeState {
  value: number;
  seen: boolean;
}

function largest(sign: 1 | -1): Aggregate<ExtremeState> {
  return {
    width: 1,
    empty: () => ({ value: -Infinity, seen: false }),
    update(state, rows, from, to) {
      const { kinds, floats, ints } = rows.values;
      let value = state.value;
      // Floats first in a loop with one branch, which V8 compiles far tighter; ints (rare)
      // in a second pass only when the first met rows of other kinds.
      let floatRows = 0;
      for (let i = from; i < to; i++) {
        if (kinds[i] === ValueKind.Float) {
          floatRows++;
          const v = sign * floats[i]!;
          if (v > value) value = v;
        }
      }
      let intRows = 0;
      if (floatRows !== to - from) {
        for (let i = from; i < to; i++) {
          if (kinds[i] === ValueKind.Int) {
            intRows++;
            const v = sign * Number(ints[i]!);
            if (v > value) value = v;
          }
        }
      }
      state.value = value;
      state.seen ||= floatRows + intRows > 0;
    },
    merge(into, other) {
      if (other.value > into.value) into.value = other.value;
      into.seen ||= other.seen;
    },
    finish: (state) => [[state.seen ? sign * state.value : null]],
    fromSummary: (summary) => ({ value: sign === 1 ? summary.max : -summary.min, seen: summary.count > 0 }),
  };
}

export const max = largest(1);
export const min = largest(-1);
