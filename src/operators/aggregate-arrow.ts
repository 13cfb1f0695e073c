import { columnTypeOf, type ArrowColumnType } from '../engine/arrow/column-types.js';
import { kindsOf, type KindSet } from '../storage/kind-set.js';
import { RecordBatchBuilder, type ArrowLayout } from '../engine/arrow/record-batch.js';
import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { createAggregate } from '../engine/registry.js';
import { finishSeriesPartial, type SeriesPartial } from '../engine/series-partial.js';
import { setScalar, type Scalar } from '../engine/values.js';
import { allocateColumn, type Column } from '../storage/columns.js';
import type { ArrowScanOutput } from './scan-cursor.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import { shapedRowRuns } from '../query/aggregate-rows.js';
import { eachSeriesInTurns, type AggregateRequest, type Turns } from './aggregate-scan.js';

/**
 * `format=arrow` aggregates, in the shard that owns the series. An aggregate's output kinds
 * are known only once its rows are computed, so a query is run twice: first every shard
 * reports the kinds of its rows' columns (the schema is their union), then it answers the
 * same rows as record batches.
 */
export type ArrowAggregateRequest = AggregateRequest & {
  /** The output columns after `time`. */
  readonly columns: readonly string[];
  /** Absent: report kinds only. */
  readonly output?: ArrowScanOutput;
};

/** The kinds each output column holds in this request's rows. */
export async function surveyAggregate(request: ArrowAggregateRequest, snapshot: (series: string) => SeriesSnapshot, turns: Turns): Promise<Record<string, KindSet>> {
  const kinds: Record<string, KindSet> = {};
  // Only the kinds are kept: each series' rows go once surveyed.
  await eachSeriesRows(request, snapshot, turns, ({ columns, count }) => {
    columns.forEach((column, c) => {
      kinds[request.columns[c]!] = (kinds[request.columns[c]!] ?? 0) | kindsOf(column, 0, count);
    });
  });
  return kinds;
}

/** This request's rows as one record batch message (empty when no series has rows). */
export async function aggregateBatch(request: ArrowAggregateRequest, output: ArrowScanOutput, snapshot: (series: string) => SeriesSnapshot, turns: Turns): Promise<Uint8Array> {
  const answers: SeriesRows[] = [];
  await eachSeriesRows(request, snapshot, turns, (rows) => answers.push(rows));
  const batch = new RecordBatchBuilder(output.layout, answers.reduce((rows, answer) => rows + answer.count, 0));
  for (const { name, time, columns, count } of answers) {
    const byName = output.layout.columns.map((c) => columns[request.columns.indexOf(c.name)]);
    batch.append(output.seriesIndex[name]!, time, undefined, byName, Int32Array.from({ length: count }, (_, i) => i), count);
  }
  return batch.finish();
}

interface SeriesRows {
  readonly name: string;
  readonly count: number;
  /** Bucket starts, µs. */
  readonly time: Float64Array;
  readonly columns: Column[];
}

/** Each series' output rows, as the JSON answer has them, in columns, to `each`; folded in `turns`. */
function eachSeriesRows(request: ArrowAggregateRequest, snapshot: (series: string) => SeriesSnapshot, turns: Turns, each: (rows: SeriesRows) => void): Promise<void> {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  return eachSeriesInTurns(request, aggregates, snapshot, turns, ({ name, partial }) => each(finishedRows(name, aggregates, partial, request)));
}

/** A series' partial, finished and shaped as the JSON answer's rows, in columns. */
function finishedRows(name: string, aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial, request: ArrowAggregateRequest): SeriesRows {
  const rows = [...shapedRowRuns(finishSeriesPartial(aggregates, partial), aggregates, request.order, request.widthUs, request.shaping)].flat();
  const time = Float64Array.from(rows, (cells) => cells[0] as number);
  const columns = request.columns.map((columnName, c) => {
    const column = allocateColumn(columnName, rows.length);
    rows.forEach((cells, i) => setScalar(column, i, asJsonHasIt(cells[c + 1] ?? null)));
    return column;
  });
  return { name, count: rows.length, time, columns };
}

/**
 * The one output series of an aggregate over a merge or a join, as a record batch typed by
 * its own rows: the shard that finishes it is the only one holding rows, so no survey of the
 * other shards is needed before the schema.
 */
export interface OneSeriesBatch {
  readonly types: ArrowColumnType[];
  /** Empty when the series has no rows. */
  readonly bytes: Uint8Array;
}

export function oneSeriesBatch(aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial, request: ArrowAggregateRequest): OneSeriesBatch {
  const rows = finishedRows('', aggregates, partial, request);
  const types = rows.columns.map((column) => columnTypeOf(kindsOf(column, 0, rows.count)));
  if (rows.count === 0) return { types, bytes: new Uint8Array(0) };
  const layout: ArrowLayout = { precision: request.shaping.precision, withSeq: false, columns: request.columns.map((name, c) => ({ name, type: types[c]! })) };
  const batch = new RecordBatchBuilder(layout, rows.count);
  batch.append(0, rows.time, undefined, rows.columns, Int32Array.from({ length: rows.count }, (_, i) => i), rows.count);
  return { types, bytes: batch.finish() };
}

/** JSON prints a float that is not finite as null (0.8); the Arrow answer holds the same. */
function asJsonHasIt(value: Scalar): Scalar {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
