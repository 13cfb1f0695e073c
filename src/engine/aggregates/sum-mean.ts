import { ValueKind } from '../../storage/columns.js';
import type { AggregateRows } from '../rows.js';
import type { Aggregate } from './aggregate.js';

/** Float sum of the numeric values of rows [from, to); other values add 0 (functions.md §4 sum). */
function numericSum(rows: AggregateRows, from: number, to: number): number {
  const { kinds, floats, ints, uniformKind } = rows.values;
  if (uniformKind === ValueKind.Float) {
    let total = 0;
    for (let i = from; i < to; i++) total += floats[i]!;
    return total;
  }
  // Floats first in a loop with one branch, which V8 compiles far tighter; ints (rare) in
  // a second pass only when the first met rows of other kinds.
  let sum = 0;
  let floatRows = 0;
  for (let i = from; i < to; i++) {
    if (kinds[i] === ValueKind.Float) {
      floatRows++;
      sum += floats[i]!;
    }
  }
  if (floatRows !== to - from) {
    for (let i = from; i < to; i++) if (kinds[i] === ValueKind.Int) sum += Number(ints[i]!);
  }
  return sum;
}

export interface SumState {
  sum: number;
}

export const sum: Aggregate<SumState> = {
  width: 1,
  empty: () => ({ sum: 0 }),
  update(state, rows, from, to) {
    state.sum += numericSum(rows, from, to);
  },
  merge(into, other) {
    into.sum += other.sum;
  },
  finish: (state) => [[state.sum]],
  finishCell: (state) => state.sum,
  fromSummary: (summary) => ({ sum: summary.sum }),
};

/** mean divides by every row of the group: non-numeric and null values count as 0 (0.8). */
export interface MeanState {
  sum: number;
  rows: number;
}

export const mean: Aggregate<MeanState> = {
  width: 1,
  empty: () => ({ sum: 0, rows: 0 }),
  update(state, rows, from, to) {
    state.sum += numericSum(rows, from, to);
    state.rows += to - from;
  },
  merge(into, other) {
    into.sum += other.sum;
    into.rows += other.rows;
  },
  finish: (state) => [[state.sum / state.rows]],
  finishCell: (state) => state.sum / state.rows,
  fromSummary: (summary) => ({ sum: summary.sum, rows: summary.count }),
};
