import { numericAt } from '../values.js';
import type { Aggregate, ScanOrder } from './aggregate.js';
import { edgesBetween, emptyEdges, mergeEdges, type EdgesState } from './edges.js';

/** Only numeric rows count; fewer than two drop the group's row (functions.md §4). */
const numericEdges: Omit<Aggregate<EdgesState<number>>, 'finish'> = {
  width: 1,
  empty: () => emptyEdges(0),
  update(state, rows, from, to) {
    let oldest = from;
    while (oldest < to && Number.isNaN(numericAt(rows.values, oldest))) oldest++;
    if (oldest === to) return;
    let newest = to - 1;
    while (Number.isNaN(numericAt(rows.values, newest))) newest--;
    mergeEdges(state, edgesBetween(rows, oldest, newest, numericAt));
  },
  merge: mergeEdges,
};

/** ±Inf and NaN (equal timestamps) have no JSON form; 0.8 serialised them as null. */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * (v_last − v_first) / (t_last − t_first) in seconds, in scan order like 0.8: the value is
 * the same both ways, but only scan order gives 0.8's sign of a zero.
 */
export function derivative(order: ScanOrder): Aggregate<EdgesState<number>> {
  return {
    ...numericEdges,
    finish(state) {
      if (state.rows < 2) return [];
      const [first, last] = order === 'asc' ? [state.old, state.new] : [state.new, state.old];
      const [firstTime, lastTime] = order === 'asc' ? [state.oldTime, state.newTime] : [state.newTime, state.oldTime];
      return [[finite((last - first) / ((lastTime - firstTime) / 1e6))]];
    },
  };
}

/** v_last − v_first in scan order: oldest − newest under the default descending order. */
export function difference(order: ScanOrder): Aggregate<EdgesState<number>> {
  return {
    ...numericEdges,
    finish: (state) => (state.rows < 2 ? [] : [[order === 'asc' ? state.new - state.old : state.old - state.new]]),
  };
}
