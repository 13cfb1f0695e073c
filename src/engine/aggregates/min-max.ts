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
      const { kinds, floats, ints, uniformKind } = rows.values;
      if (uniformKind === ValueKind.Float && to > from) {
        // A block column of floats only: no kind to look at, and no multiply per row.
        const extreme = sign === 1 ? maxOf(floats, from, to) : -minOf(floats, from, to);
        if (extreme > state.value) state.value = extreme;
        state.seen = true;
        return;
      }
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

function maxOf(floats: Float64Array, from: number, to: number): number {
  let value = floats[from]!;
  for (let i = from + 1; i < to; i++) if (floats[i]! > value) value = floats[i]!;
  return value;
}

function minOf(floats: Float64Array, from: number, to: number): number {
  let value = floats[from]!;
  for (let i = from + 1; i < to; i++) if (floats[i]! < value) value = floats[i]!;
  return value;
}

export const max = largest(1);
export const min = largest(-1);
