import type { Column } from '../storage/columns.js';
import type { Aggregate, ColumnSummary } from './aggregates/aggregate.js';
import { bucketRuns, type RunArrays } from './buckets.js';
import type { BucketOutputs, GroupOutputs } from './fill.js';
import { accumulate, accumulateState, combine, emptyPartial, finish, type BucketPartial } from './partials.js';
import { gatherColumn, gatherTimes } from './rows.js';
import type { Selection } from './selection.js';
import { groupKey, scalarAt, type Scalar } from './values.js';

/**
 * Every aggregate's partial for every group of one output series: what a shard sends for
 * the series it owns and what the coordinator combines across shards (or the two sides of a
 * merge) before finishing. Plain data (a Map of arrays of plain states), so it crosses
 * threads by structured clone.
 */
export interface SeriesPartial {
  readonly groups: Map<string, GroupPartial>;
}

export interface GroupPartial {
  /** Values of the non-time group-by columns. */
  readonly group: Scalar[];
  /** One per select-list aggregate, in select order. */
  partials: BucketPartial<unknown>[];
}

/** One block of a series as aggregation reads it, sorted by (time, seq). */
export interface AggregationBlock {
  readonly time: Float64Array;
  readonly seq: Float64Array;
  /** Each aggregate's argument, already evaluated (select order). */
  readonly arguments: readonly Column[];
  /** The non-time group-by columns (group-by order). */
  readonly groupBy: readonly Column[];
}

export function emptySeriesPartial(): SeriesPartial {
  return { groups: new Map() };
}

/**
 * Fold the selected rows of a block into `partial`. `width` is the `group by time` bucket
 * width in µs, or null for one bucket. The selection should already hold only rows where a
 * referenced column has a value (selection.ts rowsWithAnyValue).
 */
export function accumulateBlock(
  aggregates: readonly Aggregate<unknown>[],
  partial: SeriesPartial,
  block: AggregationBlock,
  selection: Selection,
  width: number | null,
): void {
  // Without group-by columns (the usual query) the whole selection is the one group: no
  // partition map is built per block.
  if (block.groupBy.length === 0) {
    accumulateGroup(aggregates, groupOf(aggregates, partial, NO_GROUP, NO_GROUP_KEY), block, selection, width);
    return;
  }
  for (const [group, rows] of partitionByGroup(block.groupBy, selection)) {
    accumulateGroup(aggregates, groupOf(aggregates, partial, group), block, rows, width);
  }
}

/** Lent to bucketRuns by accumulateGroup, whose runs are read before it returns. */
const runArrays: RunArrays = { starts: [], ends: [] };

function accumulateGroup(aggregates: readonly Aggregate<unknown>[], target: GroupPartial, block: AggregationBlock, rows: Selection, width: number | null): void {
  const time = gatherTimes(block.time, rows);
  const seq = gatherTimes(block.seq, rows);
  const runs = bucketRuns(time, 0, rows.length, width, runArrays);
  for (let a = 0; a < aggregates.length; a++) {
    const values = gatherColumn(block.arguments[a]!, rows);
    accumulate(aggregates[a]!, target.partials[a]!, { count: rows.length, time, seq, values }, runs);
  }
}

/**
 * Fold rows known only by their summary into bucket `start` of the one group of a query
 * without group-by columns. Every aggregate must have `fromSummary` (see summaryAnswers).
 */
export function accumulateSummary(aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial, start: number, summary: ColumnSummary): void {
  if (summary.count === 0) return;
  const target = groupOf(aggregates, partial, NO_GROUP, NO_GROUP_KEY);
  aggregates.forEach((aggregate, a) => accumulateState(aggregate, target.partials[a]!, start, aggregate.fromSummary!(summary)));
}

/** Whether every aggregate can take rows known only by their summary. */
export function summaryAnswers(aggregates: readonly Aggregate<unknown>[]): boolean {
  return aggregates.every((aggregate) => aggregate.fromSummary !== undefined);
}

const NO_GROUP: Scalar[] = [];
const NO_GROUP_KEY = groupKey(NO_GROUP);

function groupOf(aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial, group: Scalar[], key = groupKey(group)): GroupPartial {
  let target = partial.groups.get(key);
  if (target === undefined) {
    // Pushed, not mapped: an array from `map` has another elements kind once V8 optimises
    // this function (it inlines `map`), and the encoders reading `partials` then deoptimised.
    const partials: BucketPartial<unknown>[] = [];
    for (let a = 0; a < aggregates.length; a++) partials.push(emptyPartial());
    target = { group: [...group], partials };
    partial.groups.set(key, target);
  }
  return target;
}

/**
 * The selection split by exact group-by values; one group when there are no columns. Each
 * column's values are interned to small ids first, so a row's group is found by its ids
 * rather than by building and hashing its values.
 */
function partitionByGroup(columns: readonly Column[], selection: Selection): Map<Scalar[], Selection> {
  if (columns.length === 0) return new Map([[[], selection]]);
  const ids = columns.map((column) => internValues(column, selection));
  const groups = new Map<string, { group: Scalar[]; rows: number[] }>();
  for (let s = 0; s < selection.length; s++) {
    let key = '';
    for (let c = 0; c < ids.length; c++) key += `${ids[c]!.ids[s]},`;
    let entry = groups.get(key);
    if (entry === undefined) {
      entry = { group: ids.map((column) => column.values[column.ids[s]!]!), rows: [] };
      groups.set(key, entry);
    }
    entry.rows.push(selection[s]!);
  }
  return new Map([...groups.values()].map(({ group, rows }) => [group, Uint32Array.from(rows)]));
}

/** Per selected row, the id of its value among the distinct values (exact types) of the column. */
function internValues(column: Column, selection: Selection): { ids: Uint32Array; values: Scalar[] } {
  const ids = new Uint32Array(selection.length);
  const values: Scalar[] = [];
  // Ints read as bigints and floats as numbers, and Map keys of different types never match,
  // so int 1 and float 1.0 (or true and 1) get different ids.
  const table = new Map<Scalar, number>();
  for (let s = 0; s < selection.length; s++) {
    const value = scalarAt(column, selection[s]!);
    let id = table.get(value);
    if (id === undefined) {
      id = values.push(value) - 1;
      table.set(value, id);
    }
    ids[s] = id;
  }
  return { ids, values };
}

/** Both partials' rows as one partial; consumes both. */
export function combineSeriesPartials(
  aggregates: readonly Aggregate<unknown>[],
  a: SeriesPartial,
  b: SeriesPartial,
): SeriesPartial {
  for (const [key, other] of b.groups) {
    const mine = a.groups.get(key);
    if (mine === undefined) a.groups.set(key, other);
    else mine.partials = mine.partials.map((partial, k) => combine(aggregates[k]!, partial, other.partials[k]!));
  }
  return a;
}

/** Finished outputs by bucket, the input of shapeRows(). */
export function finishSeriesPartial(aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial): BucketOutputs[] {
  const groups = [...partial.groups.values()].map((group) => finishGroup(aggregates, group));
  // One group, the usual case: its buckets are the answer as they are, with no map to join
  // them to other groups' (the map and its spread were most of what a shard allocated for
  // `max(value) … group by time(1h)` over every series).
  if (groups.length === 1) return groups[0]!;
  const buckets = new Map<number, GroupOutputs[]>();
  for (const finished of groups) {
    for (const bucket of finished) {
      const known = buckets.get(bucket.start);
      if (known) known.push(bucket.groups[0]);
      else buckets.set(bucket.start, bucket.groups);
    }
  }
  return [...buckets].map(([start, groups]) => ({ start, groups }));
}

/** One group's finished buckets, ascending by start, each holding this group's outputs alone. */
function finishGroup(aggregates: readonly Aggregate<unknown>[], { group, partials }: GroupPartial): { start: number; groups: [GroupOutputs] }[] {
  const finished = partials.map((p, k) => finish(aggregates[k]!, p));
  // Every aggregate saw the same rows, so all list the same buckets.
  return (finished[0] ?? []).map(({ start }, b) => ({ start, groups: [{ group, outputs: finished.map((f) => f[b]!.rows) }] }));
}
