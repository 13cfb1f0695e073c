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
      let seen = state.seen;
      for (let i = from; i < to; i++) {
        const kind = kinds[i];
        if (kind === ValueKind.Float) {
          const v = sign * floats[i]!;
          if (v > value) value = v;
          seen = true;
        } else if (kind === ValueKind.Int) {
          const v = sign * Number(ints[i]!);
          if (v > value) value = v;
          seen = true;
        }
      }
      state.value = value;
      state.seen = seen;
    },
    merge(into, other) {
      if (other.value > into.value) into.value = other.value;
      into.seen ||= other.seen;
    },
    finish: (state) => [[state.seen ? sign * state.value : null]],
  };
}

export const max = largest(1);
export const min = largest(-1);
