import type { Aggregate } from './aggregate.js';

/** count(x): rows in the group, whatever x holds (functions.md §4 count). */
export interface CountState {
  rows: number;
}

export const count: Aggregate<CountState> = {
  width: 1,
  empty: () => ({ rows: 0 }),
  update(state, _rows, from, to) {
    state.rows += to - from;
  },
  merge(into, other) {
    into.rows += other.rows;
  },
  finish: (state) => [[state.rows]],
  finishCell: (state) => state.rows,
  fromSummary: (summary) => ({ rows: summary.count }),
};

/** count(inner(x)): the number of rows the inner aggregate yields for the group. */
export function countOf<S>(inner: Aggregate<S>): Aggregate<S> {
  return {
    width: 1,
    empty: () => inner.empty(),
    update: (state, rows, from, to) => inner.update(state, rows, from, to),
    merge: (into, other) => inner.merge(into, other),
    finish: (state) => [[inner.finish(state).length]],
  };
}
