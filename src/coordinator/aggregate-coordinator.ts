import type { AnswerStream } from './answer-stream.js';
import { sortByteOrder } from '../util/byte-order.js';
import type { ShardHandle } from '../shards/shard-handle.js';
import type { Storage } from '../shards/storage.js';
import type { TimePrecision } from '../time-precision.js';
import type { RowShaping } from '../query/aggregate-rows.js';
import { RUN_END, RUN_FIELDS, RUN_SERIES, RUN_START, type AggregateRequest, type EncodedAnswer } from '../operators/aggregate-scan.js';
import type { AggregatePlan, OutputOptions } from '../query/plan.js';
import { openJoinedAggregate } from './joined-aggregate-coordinator.js';
import { mergedAggregate } from './merged-aggregate-coordinator.js';
import { seriesByShard } from './series-by-shard.js';
import { rowIndentFor, seriesObjectHead, seriesObjectTail, type Framing } from '../engine/json/series-json.js';
import { addWholePart, claimWholeAnswer, sendWholeAnswer, type WholeSeries } from './whole-answer.js';
import { ByteClaim, type ByteBudget } from '../util/byte-budget.js';

/** Series per shard message at most: bounds a message's time on the shard's thread. */
const SERIES_PER_REQUEST = 100;
/**
 * A shard's batches asked for and not yet written, at most: with two, the shard has the next
 * batch queued when it answers one, instead of idling while its answer crosses to the event
 * loop and the next request crosses back.
 */
const BATCHES_IN_FLIGHT = 2;
/** Series of a shard's first message: a series may answer thousands of rows, so replies start small. */
const FIRST_SERIES_PER_REQUEST = 16;
/**
 * Encoded bytes a reply aims at. Each next message asks for as many series as the replies so
 * far average into this, so a reply — and the writer the shard fills for it, of which a thread
 * keeps 4 MiB — stays small however many buckets a series has: a hundred series of 10,000
 * buckets were an 18 MB reply, its writer regrown and copied, page by new page, for every one.
 */
const REPLY_BYTES = 1 << 20;
/** Chunked output is written in pieces of about this many bytes (ChunkedSink.addAll). */
const WRITE_BYTES = 256 * 1024;

/**
 * Runs an aggregate select. Each shard folds its series' blocks into per-bucket partials and,
 * since a series lives on one shard, finishes, shapes and encodes them itself; here the rows
 * are framed and written, one series at a time, an object per run the shard encoded.
 * A shard's next batch of series is asked for while this one is written. A merge or a join
 * is one output series whose rows several shards may own (merged-aggregate.ts,
 * joined-aggregate.ts).
 */
export async function runAggregate(storage: Storage, db: string, plan: AggregatePlan, output: OutputOptions, exchange: AnswerStream, wholeAnswers: ByteBudget): Promise<void> {
  const framing: Framing = { pretty: output.pretty, depth: output.chunked ? 1 : 2 };
  const columns = ['time', ...plan.columns];
  const sink = output.chunked ? new ChunkedSink(exchange, columns, framing) : new WholeSink(columns, framing, new ByteClaim(wholeAnswers));
  const shaping = rowShaping(plan, output.precision, rowIndentFor(framing));
  const pumps = plan.merged
    ? writeMerged(storage, db, plan, plan.merged, shaping, sink)
    : plan.joined
      ? writeJoined(storage, db, plan, plan.joined, shaping, sink, exchange)
      : pumpSeries(storage, db, plan, shaping, sink, exchange);
  if (sink instanceof WholeSink) {
    try {
      await pumps;
      return sink.send(exchange);
    } finally {
      sink.release();
    }
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

/** Each series its own output series: every shard's batches of series, pumped in parallel. */
async function pumpSeries(storage: Storage, db: string, plan: AggregatePlan, shaping: RowShaping, sink: Sink, exchange: AnswerStream): Promise<void> {
  const byShard = await seriesByShard(storage, db, plan.source);
  const shards = [...byShard].map(([shard, names]) => ({ shard, names, first: names.slice(0, FIRST_SERIES_PER_REQUEST) }));
  // Each shard checks all its series in its first answer; nothing is written before every
  // shard has answered, so a missing column is a 400 whichever shard owns the series.
  const firstAnswers = await Promise.all(shards.map(({ shard, names, first }) => shard.aggregate({ ...requestFor(db, plan, shaping, first), checkFirst: names })));
  const pump = async (shard: ShardHandle, names: string[], first: string[], firstAnswer: EncodedAnswer): Promise<void> => {
    const pending: { asked: string[]; answer: Promise<EncodedAnswer> }[] = [{ asked: first, answer: Promise.resolve(firstAnswer) }];
    let at = first.length;
    let seriesAnswered = 0;
    let bytesAnswered = 0;
    const askMore = (): void => {
      while (pending.length < BATCHES_IN_FLIGHT && at < names.length && !exchange.done) {
        const asked = names.slice(at, at + Math.min(names.length - at, nextBatchSize(seriesAnswered, bytesAnswered)));
        const answer = shard.aggregate(requestFor(db, plan, shaping, asked));
        // A batch behind one that failed is never awaited: its failure must not go unhandled.
        answer.catch(() => undefined);
        pending.push({ asked, answer });
        at += asked.length;
      }
    };
    while (pending.length > 0) {
      const batch = pending.shift()!;
      const answer = await batch.answer;
      seriesAnswered += batch.asked.length;
      bytesAnswered += answer.body.length;
      askMore();
      await sink.addAll(batch.asked, answer);
      if (exchange.done) {
        await Promise.all(pending.map(({ answer }) => answer.catch(() => undefined)));
        return;
      }
    }
  };
  await Promise.all(shards.map(({ shard, names, first }, s) => pump(shard, names, first, firstAnswers[s]!)));
}

/** Series to ask for next: as many as the replies so far average into REPLY_BYTES, 1 to SERIES_PER_REQUEST. */
function nextBatchSize(series: number, bytes: number): number {
  if (bytes === 0) return SERIES_PER_REQUEST;
  return Math.max(1, Math.min(SERIES_PER_REQUEST, Math.floor((series * REPLY_BYTES) / bytes)));
}

/** `a merge b`: one output series from the partials of both (merged-aggregate.ts). */
async function writeMerged(storage: Storage, db: string, plan: AggregatePlan, merged: NonNullable<AggregatePlan['merged']>, shaping: RowShaping, sink: Sink): Promise<void> {
  const answer = await mergedAggregate(storage, { ...requestFor(db, plan, shaping, []), name: merged.name }, merged.inputs, (host, request, partials) => host.aggregateMerged(request, partials));
  for (const { name, runs } of answer) {
    for (const run of runs) await sink.add(name, run.bytes);
  }
}

/** `x inner join y`: one output series, aggregated where the joined rows are paired (joined-aggregate.ts). */
async function writeJoined(
  storage: Storage,
  db: string,
  plan: AggregatePlan,
  joined: NonNullable<AggregatePlan['joined']>,
  shaping: RowShaping,
  sink: Sink,
  exchange: AnswerStream,
): Promise<void> {
  const source = await openJoinedAggregate(storage, plan, joined, requestFor(db, plan, shaping, []));
  for (;;) {
    // A client gone mid-join stops the pairing: the sides' cursors and the join are closed.
    if (exchange.done) return source.close();
    const page = await source.next();
    try {
      for (const object of page.objects) await sink.add(object.name, page.body.subarray(object.start, object.end));
    } catch (err) {
      // A whole answer found no room for the page (claimWholeAnswer): the join stops too.
      if (!page.done) await source.close();
      throw err;
    }
    if (page.done) return;
  }
}

/** A shard's series in requests of at most SERIES_PER_REQUEST. */
export function batchesOf(names: string[]): string[][] {
  const batches: string[][] = [];
  for (let at = 0; at < names.length; at += SERIES_PER_REQUEST) batches.push(names.slice(at, at + SERIES_PER_REQUEST));
  return batches;
}

/** What one shard is asked for one batch of its series (continuous queries ask for theirs too). */
export function requestFor(db: string, plan: AggregatePlan, shaping: RowShaping, series: string[]): AggregateRequest {
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
    shaping,
    ...(plan.restrictions ? { restrictions: plan.restrictions } : {}),
  };
}

export function rowShaping(plan: AggregatePlan, precision: TimePrecision, rowIndent: string | null): RowShaping {
  const range = plan.startGiven ? { range: { start: plan.startUs, end: plan.endUs } } : {};
  return { limit: plan.limit, fill: plan.fill && { value: plan.fill.value, ...range }, precision, rowIndent, ...(plan.projection ? { projection: plan.projection } : {}) };
}

interface Sink {
  add(name: string, rows: Uint8Array): Promise<void>;
  /** A shard's answer of several series at once, `asked` the series it was asked for. */
  addAll(asked: readonly string[], answer: EncodedAnswer): Promise<void>;
}

/** Chunked output: each run goes to the socket as its own object, writes never interleaving. */
class ChunkedSink implements Sink {
  private writes: Promise<void> = Promise.resolve();
  started = false;

  constructor(
    private readonly exchange: AnswerStream,
    private readonly columns: string[],
    private readonly framing: Framing,
  ) {}

  add(name: string, rows: Uint8Array): Promise<void> {
    return this.write(Buffer.concat(this.objectParts(name, rows)));
  }

  /**
   * A shard's answer goes out in writes of about WRITE_BYTES, not one per object: each write is
   * a system call and a packet, and an answer over 1000 series made 1000 of them. The bound
   * keeps the copy small and what a stalled reader leaves in uWS's buffer to two such writes.
   */
  async addAll(asked: readonly string[], answer: EncodedAnswer): Promise<void> {
    const { body, runs } = answer;
    let parts: Uint8Array[] = [];
    let bytes = 0;
    for (let r = 0; r < runs.length; r += RUN_FIELDS) {
      const object = this.objectParts(asked[runs[r + RUN_SERIES]!]!, body.subarray(runs[r + RUN_START], runs[r + RUN_END]));
      parts.push(...object);
      for (const part of object) bytes += part.length;
      if (bytes >= WRITE_BYTES) {
        const full = Buffer.concat(parts);
        parts = [];
        bytes = 0;
        await this.write(full);
        if (this.exchange.done) return;
      }
    }
    if (parts.length > 0) await this.write(Buffer.concat(parts));
  }

  private objectParts(name: string, rows: Uint8Array): Uint8Array[] {
    return [Buffer.from(seriesObjectHead(name, this.columns, this.framing)), rows, Buffer.from(seriesObjectTail(this.framing))];
  }

  write(bytes: Uint8Array): Promise<void> {
    this.started = true;
    this.writes = this.writes.then(() => this.exchange.writeChunk(bytes));
    return this.writes;
  }
}

/**
 * One JSON array: a series' runs joined into one object, series sorted by name. The runs'
 * bytes are counted in the server's budget for whole answers as they come; once they find no
 * room, every later add fails too, so the shards' other pumps stop at their next batch.
 */
class WholeSink implements Sink {
  private readonly bySeries = new Map<string, WholeSeries>();
  private refusal: unknown;

  constructor(
    private readonly columns: string[],
    private readonly framing: Framing,
    private readonly claim: ByteClaim,
  ) {}

  add(name: string, rows: Uint8Array): Promise<void> {
    this.count(rows.length);
    // A run always holds rows; only a framed series' lone tail counts none.
    addWholePart(this.bySeries, name, this.columns, false, rows, 0, rows.length, 1);
    return Promise.resolve();
  }

  addAll(asked: readonly string[], answer: EncodedAnswer): Promise<void> {
    const { body, runs } = answer;
    this.count(body.byteLength);
    for (let r = 0; r < runs.length; r += RUN_FIELDS) {
      // A run always holds rows; only a framed series' lone tail counts none.
      addWholePart(this.bySeries, asked[runs[r + RUN_SERIES]!]!, this.columns, false, body, runs[r + RUN_START]!, runs[r + RUN_END]!, 1);
    }
    return Promise.resolve();
  }

  send(exchange: AnswerStream): void {
    sendWholeAnswer(exchange, sortByteOrder([...this.bySeries.keys()]), this.bySeries, this.framing, this.claim);
  }

  /** Lets go of what the claim still holds: the answer failed, or went to the exchange with its own claim. */
  release(): void {
    this.refusal ??= new Error('the answer was ended');
    this.claim.release();
  }

  private count(bytes: number): void {
    if (this.refusal !== undefined) throw this.refusal;
    try {
      claimWholeAnswer(this.claim, this.claim.bytes + bytes);
    } catch (err) {
      this.refusal = err;
      throw err;
    }
  }
}
