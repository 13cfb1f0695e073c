import { QueryError } from '../errors.js';
import type { OutputRow, ScanOrder } from './aggregates/aggregate.js';
import { argumentText, type AggregateArgument } from './arguments.js';
import { bucketStart } from './buckets.js';
import { compareGroupValues, groupKey, type Scalar } from './values.js';

/*
 * Turning finished aggregate outputs into a series' rows (functions.md §1.3–§2,
 * query-language.md §5.1.4–5.1.5, §9.4): buckets in query order, groups ascending inside a
 * bucket, the cartesian product of several aggregates, fill for empty buckets and groups,
 * and limit on output rows.
 */

/** One group's outputs in one bucket. */
export interface GroupOutputs {
  /** Values of the non-time group-by columns, in group-by order. */
  readonly group: readonly Scalar[];
  /** Per select-list aggregate, in select order, the rows it finished with. */
  readonly outputs: readonly (readonly OutputRow[])[];
}

export interface BucketOutputs {
  /** Bucket start, µs (0 without `group by time`). */
  readonly start: number;
  readonly groups: readonly GroupOutputs[];
}

export interface Fill {
  readonly value: Scalar;
  /** Bucket width, µs. */
  readonly width: number;
  /** The query's [start, end) when it set a start time; else the series' data decides. */
  readonly range?: { readonly start: number; readonly end: number };
  /** Cells per row of each aggregate (histogram has 2). */
  readonly widths: readonly number[];
}

export interface Shape {
  readonly order: ScanOrder;
  /** Output rows per series; 0 means no limit. */
  readonly limit: number;
  /** Only for `group by time(...)` queries: fill is ignored otherwise (functions.md §2). */
  readonly fill?: Fill;
}

/** `fill(...)`'s argument (functions.md §2): an int or float literal, or `null`. */
export function resolveFill(argument: AggregateArgument): Scalar {
  if (argument.kind === 'int') return argument.value;
  if (argument.kind === 'float') return argument.value;
  if (argument.kind === 'column' && argument.name === 'null') return null;
  throw new QueryError(`Unsupported fill value ${argumentText(argument)}`);
}

/**
 * A series' output rows: `[time, ...aggregate cells, ...group values]`, time in µs. A
 * generator, because filled buckets are not bounded by the data: the caller pulls rows as
 * the response can take them.
 */
export function* shapeRows(buckets: readonly BucketOutputs[], shape: Shape): Generator<Scalar[]> {
  if (buckets.length === 0) return;
  const limit = shape.limit === 0 ? Infinity : shape.limit;
  let emitted = 0;
  const fill = shape.fill;
  const allGroups = fill === undefined ? [] : distinctGroups(buckets);
  const byStart = new Map(buckets.map((bucket) => [bucket.start, bucket]));
  for (const start of bucketStarts(buckets, shape)) {
    const groups = byStart.get(start)?.groups ?? [];
    for (const group of fill === undefined ? sortGroups(groups) : withEmptyGroups(groups, allGroups, fill)) {
      checkProductRows(group.outputs, limit - emitted);
      for (const cells of cartesian(group.outputs)) {
        if (emitted++ >= limit) return;
        yield [start, ...cells, ...group.group];
      }
    }
  }
}

/** Bucket starts to emit, in query order. */
function* bucketStarts(buckets: readonly BucketOutputs[], shape: Shape): Generator<number> {
  const fill = shape.fill;
  const withData = buckets.map((bucket) => bucket.start).sort((a, b) => a - b);
  if (fill === undefined) {
    if (shape.order === 'desc') withData.reverse();
    yield* withData;
    return;
  }
  const first = fill.range === undefined ? withData[0]! : bucketStart(fill.range.start, fill.width);
  // [start, end): a bucket starting exactly at the end is not emitted (Project rule).
  const last = fill.range === undefined ? withData[withData.length - 1]! : bucketStart(fill.range.end - 1, fill.width);
  if (shape.order === 'asc') for (let start = first; start <= last; start += fill.width) yield start;
  else for (let start = last; start >= first; start -= fill.width) yield start;
}

function compareGroups(a: GroupOutputs, b: GroupOutputs): number {
  for (let k = 0; k < a.group.length; k++) {
    const order = compareGroupValues(a.group[k]!, b.group[k]!);
    if (order !== 0) return order;
  }
  return 0;
}

function sortGroups(groups: readonly GroupOutputs[]): readonly GroupOutputs[] {
  // A bucket of one group (every query without group-by columns) is in order as it is.
  return groups.length < 2 ? groups : [...groups].sort(compareGroups);
}

/** How many groups the series has: fill puts each of them in every bucket. */
export function groupCount(buckets: readonly BucketOutputs[]): number {
  const seen = new Set<string>();
  for (const bucket of buckets) for (const group of bucket.groups) seen.add(groupKey(group.group));
  return seen.size;
}

/** Every group seen in any bucket of the series, ascending. */
function distinctGroups(buckets: readonly BucketOutputs[]): readonly GroupOutputs[] {
  const seen = new Map<string, GroupOutputs>();
  for (const bucket of buckets) for (const group of bucket.groups) seen.set(groupKey(group.group), group);
  return sortGroups([...seen.values()]);
}

/** A bucket's groups with every other group of the series filled in (functions.md §2). */
function withEmptyGroups(groups: readonly GroupOutputs[], allGroups: readonly GroupOutputs[], fill: Fill): GroupOutputs[] {
  const present = new Map(groups.map((group) => [groupKey(group.group), group]));
  const empty = fill.widths.map((width) => [width === 1 ? [fill.value] : [null, fill.value]]);
  return allGroups.map((group) => present.get(groupKey(group.group)) ?? { group: group.group, outputs: empty });
}

/**
 * Most rows one group's aggregates may multiply to (functions.md §1.4). Three `distinct`s of
 * a hundred values each are a million rows; a fourth would make a hundred million out of a
 * hundred points, and an answer is held whole before it is sent.
 */
export const MAX_GROUP_ROWS = 1_000_000;

/** The 400 for a group whose product of rows passes MAX_GROUP_ROWS, unless at most `wanted` are read (limit). */
function checkProductRows(outputs: readonly (readonly OutputRow[])[], wanted: number): void {
  let rows = 1;
  for (const output of outputs) rows *= output.length;
  if (rows <= MAX_GROUP_ROWS || wanted <= MAX_GROUP_ROWS) return;
  throw new QueryError(`the aggregates' rows multiply to ${rows} rows in one group; at most ${MAX_GROUP_ROWS} are allowed`);
}

/**
 * Rows of several aggregates' outputs combined: the cartesian product, the first aggregate
 * varying fastest; none when any aggregate has no row (functions.md §1.4). Made as they are
 * read, so a limit stops the product early.
 */
export function* cartesian(outputs: readonly (readonly OutputRow[])[]): Generator<Scalar[]> {
  if (outputs.length > 0 && outputs.every((output) => output.length === 1)) {
    // The usual case, one row per aggregate: one row, without the odometer's bookkeeping.
    const row: Scalar[] = [];
    for (const output of outputs) for (const cell of output[0]!) row.push(cell);
    yield row;
    return;
  }
  const counts = outputs.map((output) => output.length);
  if (counts.length === 0 || counts.some((n) => n === 0)) return;
  const index = counts.map(() => 0);
  for (;;) {
    yield outputs.flatMap((output, k) => output[index[k]!]!);
    // An odometer whose first digit turns fastest.
    let k = 0;
    while (k < index.length && ++index[k]! === counts[k]) index[k++] = 0;
    if (k === index.length) return;
  }
}
