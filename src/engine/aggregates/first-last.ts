import { scalarAt, type Scalar } from '../values.js';
import type { Aggregate, ScanOrder } from './aggregate.js';
import { edgesBetween, emptyEdges, mergeEdges, type EdgesState } from './edges.js';

/** Rows of every type count, null included (functions.md §4 first/last). */
const rowEdges: Omit<Aggregate<EdgesState<Scalar>>, 'finish'> = {
  width: 1,
  empty: () => emptyEdges<Scalar>(null),
  update(state, rows, from, to) {
    if (from >= to) return;
    // Rows are sorted by (time, seq): the run's ends are its oldest and newest rows.
    mergeEdges(state, edgesBetween(rows, from, to - 1, scalarAt));
  },
  merge: mergeEdges,
};

/** first(x): the first row in scan order, so the newest under the default descending order. */
export function first(order: ScanOrder): Aggregate<EdgesState<Scalar>> {
  const cell = (state: EdgesState<Scalar>): Scalar => (order === 'asc' ? state.old : state.new);
  return { ...rowEdges, finish: (state) => [[cell(state)]], finishCell: cell };
}

/** last(x): the last row in scan order. */
export function last(order: ScanOrder): Aggregate<EdgesState<Scalar>> {
  const cell = (state: EdgesState<Scalar>): Scalar => (order === 'asc' ? state.new : state.old);
  return { ...rowEdges, finish: (state) => [[cell(state)]], finishCell: cell };
}
