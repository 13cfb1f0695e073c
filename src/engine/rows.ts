import { allocateColumn, slotWords, type Column } from '../storage/columns.js';
import type { Selection } from './selection.js';

/**
 * The rows an aggregate reads: one argument column (a stored column, or an expression the
 * caller evaluated into one) with each row's time and sequence number, sorted by
 * (time, seq) ascending as storage keeps blocks. Aggregates walk contiguous ranges of it.
 */
export interface AggregateRows {
  readonly count: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly values: Column;
}

/*
 * Selected rows are copied into dense arrays once, so every aggregate of the query loops
 * over plain contiguous typed arrays instead of indirecting through the selection. A
 * selection of every row needs no copy.
 */

const isEveryRow = (selection: Selection, count: number): boolean => selection.length === count;

export function gatherTimes(times: Float64Array, selection: Selection): Float64Array {
  if (isEveryRow(selection, times.length)) return times;
  const out = new Float64Array(selection.length);
  for (let s = 0; s < selection.length; s++) out[s] = times[selection[s]!]!;
  return out;
}

/** Strings are shared, not copied: their indices still point into the source table. */
export function gatherColumn(column: Column, selection: Selection): Column {
  if (isEveryRow(selection, column.kinds.length)) return column;
  const n = selection.length;
  const gathered = allocateColumn(column.name, n);
  // Value slots move as two 32-bit words: an int64 read as a float can be a NaN pattern,
  // which a float copy is allowed to canonicalise.
  const from = slotWords(column.floats);
  const to = slotWords(gathered.floats);
  for (let s = 0; s < n; s++) {
    const row = selection[s]!;
    gathered.kinds[s] = column.kinds[row]!;
    to[2 * s] = from[2 * row]!;
    to[2 * s + 1] = from[2 * row + 1]!;
  }
  return { ...gathered, strings: column.strings };
}
