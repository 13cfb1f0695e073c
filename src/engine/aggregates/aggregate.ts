import type { AggregateRows } from '../rows.js';
import type { Scalar } from '../values.js';

/** Query direction: rows are fed to 0.8's aggregates in this order (functions.md §1.1). */
export type ScanOrder = 'asc' | 'desc';

/**
 * What a block header knows of one numeric column's non-null values (storage's ColumnStats):
 * enough for count, sum, mean, min and max over the rows where that column has a value.
 */
export interface ColumnSummary {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** One output row of one aggregate: one cell, or two for histogram. */
export type OutputRow = readonly Scalar[];

/**
 * One aggregate function over the rows of one bucket of one group. Its state S is a
 * PARTIAL: it is built from any subset of the bucket's rows (a block, a shard, one series
 * of a merge), is plain structured-cloneable data (numbers, arrays, Maps) so it can cross
 * threads, and two partials of the same bucket merge into the partial of their union, in
 * any order. Only finish() turns it into values.
 *
 * Partials never depend on the order blocks arrive in: where 0.8's answer depends on scan
 * order (first, last, difference, tie breaks), the state keeps each candidate's (time, seq)
 * and finish() applies the query direction.
 */
export interface Aggregate<S> {
  /** Cells per output row. */
  readonly width: number;
  empty(): S;
  /** Fold rows [from, to) of `rows` (sorted by time, seq) into `state`. */
  update(state: S, rows: AggregateRows, from: number, to: number): void;
  /** Fold `other` into `into`; `other` must not be used afterwards. */
  merge(into: S, other: S): void;
  /** Zero or more output rows (zero drops the whole group's row, functions.md §1.4). */
  finish(state: S): OutputRow[];
  /**
   * For aggregates that always finish with exactly one row of one cell: that cell, so a shard
   * can write a bucket's row without building it (query/aggregate-rows.ts encodeCells).
   */
  finishCell?(state: S): Scalar;
  /**
   * The state of rows known only by their summary: rows that are exactly the column's
   * non-null values, all numeric. Absent for aggregates that need the values themselves.
   */
  fromSummary?(summary: ColumnSummary): S;
}

/** Is the row at (timeA, seqA) met before (timeB, seqB) when scanning in `order`? */
export function scannedBefore(order: ScanOrder, timeA: number, seqA: number, timeB: number, seqB: number): boolean {
  const ascending = timeA < timeB || (timeA === timeB && seqA < seqB);
  if (order === 'asc') return ascending;
  return timeA > timeB || (timeA === timeB && seqA > seqB);
}
