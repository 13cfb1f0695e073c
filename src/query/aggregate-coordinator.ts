import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { shapeRows, type Shape } from '../engine/fill.js';
import { createAggregate } from '../engine/registry.js';
import type { Scalar } from '../engine/values.js';
import type { Exchange } from '../http/exchange.js';
import { byteOrder } from '../meta/meta-store.js';
import { JsonWriter } from '../storage/json-writer.js';
import type { ShardHandle } from '../storage/shard-handle.js';
import type { Storage } from '../storage/storage.js';
import { fromMicros, type TimePrecision } from '../time-precision.js';
import type { AggregateRequest, FinishedSeries } from './aggregate-scan.js';
import type { AggregatePlan } from './plan-aggregate.js';
import type { OutputOptions } from './plan.js';
import { writeScalarRow } from './scalar-rows.js';
import { seriesByShard } from './series-by-shard.js';
import { rowIndentFor, seriesObjectHead, seriesObjectTail, type Framing } from './series-json.js';

/** Series per shard message: bounds a message's time on the shard's thread and its reply. */
const SERIES_PER_REQUEST = 100;
const POINTS_PER_OBJECT = 1000;

/**
 * Runs an aggregate select: each shard folds its series' blocks into per-bucket partials and
 * finishes them (a series lives on one shard, so its partial is whole there); here the bucket
 * outputs are shaped (order, fill, limit) and written, one series at a time, as objects of at
 * most POINTS_PER_OBJECT rows. A shard's next batch of series is asked for while this one is
 * written.
 */
export async function runAggregate(storage: Storage, db: string, plan: AggregatePlan, output: OutputOptions, exchange: Exchange): Promise<void> {
  const byShard = await seriesByShard(storage, db, plan.source);
  const aggregates = plan.aggregates.map((a) => createAggregate(a.spec, plan.order));
  const framing: Framing = { pretty: output.pretty, depth: output.chunked ? 1 : 2 };
  const columns = ['time', ...plan.columns];
  const encoder = new RowEncoder(framing, output.precision);
  const sink = output.chunked ? new ChunkedSink(exchange, columns, framing) : new WholeSink(columns, framing);
  const shape = shapeOf(plan, aggregates);
  const pump = async (shard: ShardHandle, names: string[]): Promise<void> => {
    const batches: string[][] = [];
    for (let at = 0; at < names.length; at += SERIES_PER_REQUEST) batches.push(names.slice(at, at + SERIES_PER_REQUEST));
    let next: Promise<FinishedSeries[]> | undefined = shard.aggregate({ ...requestFor(db, plan, batches[0]!), checkFirst: names });
    for (let b = 0; next !== undefined; b++) {
      const results: FinishedSeries[] = await next;
      next = b + 1 < batches.length && !exchange.done ? shard.aggregate(requestFor(db, plan, batches[b + 1]!)) : undefined;
      for (const { name, buckets } of results) {
        const rows = shapeRows(buckets, shape);
        for (const run of encoder.runs(rows)) await sink.add(name, run);
        if (exchange.done) break;
      }
      if (exchange.done) {
        await next?.catch(() => undefined);
        return;
      }
    }
  };
  const pumps = Promise.all([...byShard].map(([shard, names]) => pump(shard, names)));
  if (sink instanceof WholeSink) {
    await pumps;
    return exchange.rawJson(200, sink.body());
  }
  try {
    await pumps;
  } catch (err) {
    if (!sink.started) throw err;
    // Status 200 is already out; 0.8 appended the error text.
    await sink.write(Buffer.from(err instanceof Error ? err.message : String(err)));
  }
  await exchange.endStream();
}

function requestFor(db: string, plan: AggregatePlan, series: string[]): AggregateRequest {
  return {
    db,
    series,
    startUs: plan.startUs,
    endUs: plan.endUs,
    order: plan.order,
    aggregates: plan.aggregates.map((a) => a.spec),
    arguments: plan.aggregates.map((a) => a.argument),
    groupBy: plan.groupBy,
    widthUs: plan.widthUs,
    where: plan.where,
    whereColumns: plan.whereColumns,
    referencedColumns: plan.referencedColumns,
    requiredColumns: plan.requiredColumns,
  };
}

function shapeOf(plan: AggregatePlan, aggregates: readonly Aggregate<unknown>[]): Shape {
  if (plan.fill === undefined || plan.widthUs === null) return { order: plan.order, limit: plan.limit };
  const range = plan.startGiven ? { range: { start: plan.startUs, end: plan.endUs } } : {};
  return {
    order: plan.order,
    limit: plan.limit,
    fill: { value: plan.fill.value, width: plan.widthUs, widths: aggregates.map((a) => a.width), ...range },
  };
}

/** A series' shaped rows, JSON-encoded in runs of at most POINTS_PER_OBJECT rows (one object's worth). */
class RowEncoder {
  private readonly indent: string | null;

  constructor(
    framing: Framing,
    private readonly precision: TimePrecision,
  ) {
    this.indent = rowIndentFor(framing);
  }

  *runs(rows: Iterator<Scalar[]>): Generator<Uint8Array> {
    let row = rows.next();
    while (!row.done) {
      const out = new JsonWriter(4096);
      for (let n = 0; n < POINTS_PER_OBJECT && !row.done; n++, row = rows.next()) {
        if (n > 0) out.ascii(this.indent === null ? ',' : ',\n');
        const cells = row.value;
        cells[0] = fromMicros(cells[0] as number, this.precision);
        writeScalarRow(out, cells, this.indent);
      }
      yield out.bytes();
    }
  }
}

interface Sink {
  add(name: string, rows: Uint8Array): Promise<void>;
}

/** Chunked output: each run goes to the socket as its own object, writes never interleaving. */
class ChunkedSink implements Sink {
  private writes: Promise<void> = Promise.resolve();
  started = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly columns: string[],
    private readonly framing: Framing,
  ) {}

  add(name: string, rows: Uint8Array): Promise<void> {
    const object = Buffer.concat([Buffer.from(seriesObjectHead(name, this.columns, this.framing)), rows, Buffer.from(seriesObjectTail(this.framing))]);
    return this.write(object);
  }

  write(bytes: Uint8Array): Promise<void> {
    this.started = true;
    this.writes = this.writes.then(() => this.exchange.writeChunk(bytes));
    return this.writes;
  }
}

/** One JSON array: a series' runs joined into one object, series sorted by name. */
class WholeSink implements Sink {
  private readonly bySeries = new Map<string, Uint8Array[]>();

  constructor(
    private readonly columns: string[],
    private readonly framing: Framing,
  ) {}

  add(name: string, rows: Uint8Array): Promise<void> {
    const runs = this.bySeries.get(name) ?? [];
    runs.push(rows);
    this.bySeries.set(name, runs);
    return Promise.resolve();
  }

  body(): Uint8Array {
    const { framing } = this;
    const names = [...this.bySeries.keys()].sort(byteOrder);
    const separator = Buffer.from(framing.pretty ? ',\n' : ',');
    const parts: Uint8Array[] = [Buffer.from(framing.pretty && names.length > 0 ? '[\n' : '[')];
    names.forEach((name, index) => {
      if (index > 0) parts.push(separator);
      parts.push(Buffer.from(seriesObjectHead(name, this.columns, framing)));
      this.bySeries.get(name)!.forEach((rows, i) => parts.push(...(i > 0 ? [separator, rows] : [rows])));
      parts.push(Buffer.from(seriesObjectTail(framing)));
    });
    parts.push(Buffer.from(framing.pretty && names.length > 0 ? '\n]' : ']'));
    return Buffer.concat(parts);
  }
}
