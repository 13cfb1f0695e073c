import type { Aggregate } from '../engine/aggregates/aggregate.js';
import type { BucketOutputs } from '../engine/fill.js';
import { createAggregate } from '../engine/registry.js';
import { finishSeriesPartial } from '../engine/series-partial.js';
import type { Scalar } from '../engine/values.js';
import { shapedRowRuns, TooManyFilledBucketsError } from '../query/aggregate-rows.js';
import { eachSeriesInTurns, type AggregateRequest, type Turns } from '../operators/aggregate-scan.js';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { shardOf } from '../storage/router.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import { encodeWriteBatch } from '../storage/write-batch.js';
import type { LogPart } from '../storage/write-batch-messages.js';
import { interpolate, parseIntoTarget } from '../query/into-target.js';

/** One run of a periodic continuous query on one shard: its aggregate over [L, B). */
export interface PeriodicRequest extends AggregateRequest {
  readonly target: string;
  /** The output columns after `time`: the aggregates', then the group-by columns. */
  readonly columns: readonly string[];
  readonly shardCount: number;
  /**
   * Rows numbered by the shards asked before this one, per target series and time: a target
   * without `:series_name` takes rows from series on several shards, which must not reuse a
   * sequence number (two rows would be one point). Absent: start at 1.
   */
  readonly numbered?: ReadonlyMap<string, number>;
  /**
   * Cluster mode: the output goes to the log, so the shard thread packs each partition's
   * batch and cuts it into messages of at most `messageBytes`, named after `name`
   * (storage/write-batch-messages.ts), rather than handing the event loop batches to cut.
   */
  readonly log?: { readonly messageBytes: number; readonly name: string };
}

/** A shard's part of a run: its batches, and the rows numbered so far (with the earlier shards'). */
export interface PeriodicOutput {
  readonly batches: (Uint8Array | null)[];
  readonly numbered: Map<string, number>;
}

/** A shard's part of a run as it leaves the shard thread: its batches, or the log's messages of them (`PeriodicRequest.log`). */
export type PeriodicRunOutput =
  | { readonly batches: (ArrayBuffer | null)[]; readonly numbered: Map<string, number> }
  | { readonly parts: LogPart[]; readonly numbered: Map<string, number> };

/**
 * The run's result rows as write batches (index = shard of the target series), built here in
 * the shard thread from the finished buckets, so neither rows nor JSON reach the main thread
 * (continuous-queries.md §6.1): a row is a point at its bucket's start, numbered 1, 2, … among
 * the rows of its target and time, so that running the interval again overwrites it; a null
 * is written as an erasure, so a value an earlier run wrote goes too.
 */
export async function periodicBatches(request: PeriodicRequest, snapshot: (series: string) => SeriesSnapshot, turns: Turns): Promise<PeriodicOutput> {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, 'asc'));
  const target = parseIntoTarget(request.target);
  // A repeated name (`count(a), count(b)`) is written once, and interpolated columns not at all.
  const written = request.columns.flatMap((name, i) => (target.columns.includes(name) || request.columns.indexOf(name) !== i ? [] : [{ name, cell: i + 1 }]));
  const rowsByTarget = new Map<string, { time: number[]; seq: number[]; cells: Scalar[][] }>();
  const seen = new Map<string, number>(request.numbered);
  await eachSeriesInTurns(request, aggregates, snapshot, turns, ({ name, partial }) => {
    for (const row of outputRows(finishSeriesPartial(aggregates, partial), aggregates, request)) {
      const series = interpolate(target, name, (column) => {
        const at = request.columns.indexOf(column);
        return at < 0 ? undefined : row[at + 1];
      });
      const time = row[0] as number;
      const key = `${series}\0${time}`;
      const seq = (seen.get(key) ?? 0) + 1;
      seen.set(key, seq);
      let rows = rowsByTarget.get(series);
      if (!rows) rowsByTarget.set(series, (rows = { time: [], seq: [], cells: [] }));
      rows.time.push(time);
      rows.seq.push(seq);
      rows.cells.push(written.map(({ cell }) => row[cell]!));
    }
  });
  const byShard = Array.from({ length: request.shardCount }, (): SeriesColumns[] => []);
  for (const [series, rows] of rowsByTarget) {
    const columns = written.map(({ name }, c) => columnOf(name, rows.cells.map((cells) => cells[c]!)));
    byShard[shardOf(request.db, series, request.shardCount)]!.push({
      series,
      count: rows.time.length,
      time: Float64Array.from(rows.time),
      seq: Float64Array.from(rows.seq),
      columns,
    });
  }
  return { batches: byShard.map((series) => (series.length === 0 ? null : encodeWriteBatch(request.db, series))), numbered: seen };
}

/**
 * A series' rows shaped as the select's answer is: filled, arithmetic between aggregates
 * applied. A fill the select's answer would refuse as too many buckets is left out rather than
 * failing the run, which would be retried over a longer interval at every tick and never pass.
 */
function outputRows(buckets: readonly BucketOutputs[], aggregates: readonly Aggregate<unknown>[], request: PeriodicRequest): Scalar[][] {
  try {
    return [...shapedRowRuns(buckets, aggregates, 'asc', request.widthUs, request.shaping)].flat();
  } catch (err) {
    if (!(err instanceof TooManyFilledBucketsError)) throw err;
    return [...shapedRowRuns(buckets, aggregates, 'asc', request.widthUs, { ...request.shaping, fill: undefined })].flat();
  }
}

function columnOf(name: string, values: readonly Scalar[]): Column {
  const column = allocateColumn(name, values.length);
  values.forEach((value, i) => {
    switch (typeof value) {
      case 'number':
        column.kinds[i] = ValueKind.Float;
        column.floats[i] = value;
        break;
      case 'bigint':
        column.kinds[i] = ValueKind.Int;
        column.ints[i] = value;
        break;
      case 'boolean':
        column.kinds[i] = ValueKind.Bool;
        column.floats[i] = value ? 1 : 0;
        break;
      case 'string':
        column.kinds[i] = ValueKind.String;
        column.floats[i] = column.strings.push(value) - 1;
        break;
      default:
        column.kinds[i] = ValueKind.Erased;
    }
  });
  return column;
}
