import { BadRequestError } from '../errors.js';
import type { AnswerStream } from './answer-stream.js';
import type { ContinuousQueries } from '../lifecycle/continuous-queries.js';
import type { MetaStore } from '../meta/meta-store.js';
import { mergeByteOrdered } from '../util/byte-order.js';
import type { Page, ScanRequest } from '../operators/scan-cursor.js';
import type { Storage } from '../shards/storage.js';
import { runAggregate } from './aggregate-coordinator.js';
import { answerAggregateInArrow } from './arrow-aggregate.js';
import { answerListInArrow, answerMergeInArrow, answerNothingInArrow, answerScansInArrow, ROWS_PER_ARROW_BATCH, type ListColumn } from './arrow-answer.js';
import { openMerge } from './merge-source.js';
import { pumpPages, scanCursorSource, type PageSource } from './page-source.js';
import { NO_SERIES_MATCHED } from '../query/errors.js';
import type { DeletePlan, ListSeriesPlan, MergePlan, OutputOptions, QueryPlan, SelectPlan } from '../query/plan.js';
import { seriesByShard, shardsOfSource } from './series-by-shard.js';
import { addWholePart, claimWholeAnswer, sendWholeAnswer, WholeAnswerWriter, type WholeSeries } from './whole-answer.js';
import { ByteClaim, type ByteBudget } from '../util/byte-budget.js';
import { rowIndentFor, seriesObjectFromValues, seriesObjectHead, seriesObjectTail, type Framing } from '../engine/json/series-json.js';
import type { DeflatedPiece } from '../util/deflate-piece.js';

const POINTS_PER_OBJECT = 1000;
const POINTS_PER_PAGE = 20_000;

/**
 * Runs a planned query: opens a cursor on every shard that owns a wanted series, pulls pages
 * (rows already JSON-encoded by the shard threads), and frames them into the response. In
 * chunked mode each shard's next page is requested only after its previous one was written,
 * so a slow client slows the scan instead of filling memory.
 */
export class QueryCoordinator {
  constructor(
    private readonly meta: MetaStore,
    private readonly storage: Storage,
    private readonly continuousQueries: ContinuousQueries,
    /** Bytes of whole answers being built or sent, all queries together (claimWholeAnswer). */
    private readonly wholeAnswers: ByteBudget,
  ) {}

  async execute(db: string, plan: QueryPlan, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    if (!this.meta.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    // A read of named series waits only for the partitions they are in (cluster mode).
    await this.storage.readBarrier(() => (plan.kind === 'select' || plan.kind === 'aggregate' ? shardsOfSource(this.storage.shards.length, db, plan.source) : undefined));
    switch (plan.kind) {
      case 'empty':
        return this.noSeries(output, exchange);
      case 'list-series':
        return this.listSeries(db, plan, output, exchange);
      case 'select':
        return this.select(db, plan, output, exchange);
      case 'merge':
        return this.merge(db, plan, output, exchange);
      case 'aggregate':
        if (output.format === 'arrow') return answerAggregateInArrow(this.storage, db, plan, output.precision, exchange);
        return runAggregate(this.storage, db, plan, output, exchange, this.wholeAnswers);
      case 'delete':
        return this.delete(db, plan, output, exchange);
      case 'create-continuous-query':
        await this.continuousQueries.create(db, plan.query);
        return this.noSeries(output, exchange);
      case 'drop-continuous-query':
        await this.continuousQueries.drop(db, String(plan.id));
        return this.noSeries(output, exchange);
      case 'list-continuous-queries':
        return this.listContinuousQueries(db, output, exchange);
    }
  }

  /** §5.6: always one series; an empty one keeps 0.8's sequence_number column. */
  private async listContinuousQueries(db: string, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const stored = this.continuousQueries.list(db);
    if (output.format === 'arrow') {
      const ids = stored.map((cq) => BigInt(cq.id));
      const queries = stored.map((cq) => cq.query);
      const columns: ListColumn[] = [
        { name: 'id', type: 'int64', values: ids },
        { name: 'query', type: 'utf8', values: queries },
      ];
      return answerListInArrow('continuous queries', columns, output.precision, exchange);
    }
    const columns = stored.length > 0 ? ['time', 'id', 'query'] : ['time', 'sequence_number', 'id', 'query'];
    await this.oneSeries('continuous queries', columns, stored.map((cq) => [0, cq.id, cq.query]), output, exchange);
  }

  /** A statement that produces no series answers `[]` (chunked: nothing). */
  private noSeries(output: OutputOptions, exchange: AnswerStream): Promise<void> | void {
    if (output.format === 'arrow') return answerNothingInArrow(output.precision, exchange);
    return output.chunked ? exchange.endStream() : exchange.rawJson(200, '[]');
  }

  private async delete(db: string, plan: DeletePlan, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const { source, startUs, endUs, drop } = plan;
    const names = source.kind === 'names' ? source.names : [];
    await this.storage.deleteSeries({ db, names, regex: source.kind === 'regex' ? source.regex : undefined, startUs, endUs, drop });
    return this.noSeries(output, exchange);
  }

  private async listSeries(db: string, plan: ListSeriesPlan, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const names = plan.names ?? (await this.storage.listSeries(db, plan.regex));
    if (output.format === 'arrow') return answerListInArrow('list_series_result', [{ name: 'name', type: 'utf8', values: names }], output.precision, exchange);
    // 0.8 artefact: the empty result keeps the sequence_number column.
    const columns = names.length > 0 ? ['time', 'name'] : ['time', 'sequence_number', 'name'];
    await this.oneSeries('list_series_result', columns, names.map((name) => [0, name]), output, exchange);
  }

  private async oneSeries(name: string, columns: string[], points: unknown[][], output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const framing: Framing = { pretty: output.pretty, depth: output.chunked ? 1 : 2 };
    const object = seriesObjectFromValues(name, columns, points, framing);
    if (output.chunked) {
      await exchange.endStreamWith(object);
    } else {
      exchange.rawJson(200, output.pretty ? `[\n${object}\n]` : `[${object}]`);
    }
  }

  private async select(db: string, plan: SelectPlan, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const framing: Framing = { pretty: output.pretty, depth: output.chunked ? 1 : 2 };
    const inArrow = output.format === 'arrow';
    // A JSON answer over a regex has every shard find its matching series as it opens the
    // scan, instead of listing them in a round trip of their own first.
    const pattern = !inArrow && plan.source.kind === 'regex' ? plan.source.regex : undefined;
    const byShard = pattern ? new Map(this.storage.shards.map((shard) => [shard, [] as string[]])) : await seriesByShard(this.storage, db, plan.source);
    const opened = await Promise.allSettled(
      [...byShard].map(async ([shard, names]) => {
        // Streamed pages are let go once written (page-source.ts pumpPages), so they can share
        // slots; so are a whole answer's when one shard gives them all (collectInOrder).
        const pageSlots = !inArrow && (output.chunked || byShard.size === 1) ? shard.takeJsonSlots() : undefined;
        const deflatePages = output.chunked && !inArrow ? exchange.pieceEncoding() : undefined;
        const request: ScanRequest = {
          db,
          series: names,
          startUs: plan.startUs,
          endUs: plan.endUs,
          fields: plan.fields,
          ...(plan.outputs ? { outputs: plan.outputs } : {}),
          order: plan.order,
          limit: plan.limit,
          where: plan.where,
          whereColumns: plan.whereColumns,
          ...(plan.restrictions ? { restrictions: plan.restrictions } : {}),
          precision: output.precision,
          // A whole answer has one object per series: the shard frames it, whatever its size.
          pointsPerObject: output.chunked || inArrow ? POINTS_PER_OBJECT : POINTS_PER_PAGE,
          pointsPerPage: inArrow ? ROWS_PER_ARROW_BATCH : POINTS_PER_PAGE,
          rowIndent: rowIndentFor(framing),
          ...(output.chunked ? { objectFraming: framing } : inArrow ? {} : { seriesFraming: framing }),
          ...(deflatePages ? { deflatePages } : {}),
          ...(pageSlots ? { pageSlots } : {}),
        };
        // An Arrow answer surveys the scan before its first page; JSON takes the page at once.
        if (inArrow) return { shard, cursorId: await shard.openScan(request) };
        const { cursorId, page, matched } = await shard.openScanWithPage(request, pattern);
        return { shard, cursorId, first: page, pageSlots, matched };
      }),
    );
    const cursors = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // As seriesByShard answers a regex no series matches.
    const unmatched = pattern !== undefined && cursors.every((c) => c.matched === 0);
    if (failure || unmatched) {
      await Promise.all(cursors.map((c) => c.shard.closeCursor(c.cursorId)));
      throw failure ? failure.reason : new BadRequestError(NO_SERIES_MATCHED);
    }
    if (inArrow) return answerScansInArrow(cursors, output.precision, exchange);
    await this.respond(
      cursors.map((c) => scanCursorSource(c.shard, c.cursorId, c.first, c.pageSlots)),
      output,
      framing,
      exchange,
    );
  }

  private async merge(db: string, plan: MergePlan, output: OutputOptions, exchange: AnswerStream): Promise<void> {
    const framing: Framing = { pretty: output.pretty, depth: output.chunked ? 1 : 2 };
    const shape = { pointsPerObject: POINTS_PER_OBJECT, pointsPerPage: POINTS_PER_PAGE, rowIndent: rowIndentFor(framing) };
    if (output.format === 'arrow') return answerMergeInArrow(this.storage, db, plan, output.precision, shape, exchange);
    await this.respond([await openMerge(this.storage, db, plan, output, shape)], output, framing, exchange);
  }

  private respond(sources: PageSource[], output: OutputOptions, framing: Framing, exchange: AnswerStream): Promise<void> {
    return output.chunked ? this.streamChunked(sources, framing, exchange) : this.collectWhole(sources, framing, exchange);
  }

  private async streamChunked(sources: PageSource[], framing: Framing, exchange: AnswerStream): Promise<void> {
    let writes = Promise.resolve();
    let unfinished = sources.length;
    const pump = (source: PageSource): Promise<void> =>
      pumpPages(
        source,
        (page) => {
          // A scan's shard framed the objects itself (and compressed them, if the answer is).
          const bytes = page.framed ? framedBody(page) : framePage(page, framing);
          // The last page of the last source to finish ends the answer in the same write.
          const last = page.done && --unfinished === 0;
          // Writes from the shards' pumps are serialised so objects never interleave mid-object.
          writes = writes.then(() => (last ? exchange.endStreamWith(bytes) : bytes.length > 0 ? exchange.writeChunk(bytes) : undefined));
          return writes;
        },
        exchange,
      );
    try {
      await Promise.all(sources.map(pump));
    } catch (err) {
      await writes;
      // Status 200 is already out once anything was written; 0.8 appended the error text.
      await exchange.writeChunk(err instanceof Error ? err.message : String(err));
    }
    await exchange.endStream();
  }

  /**
   * One object per series, in byte order of the names. A scan's shard frames its series'
   * objects itself (seriesFramed pages), so only the bytes are put in order; other sources'
   * rows are framed here.
   */
  private async collectWhole(sources: PageSource[], framing: Framing, exchange: AnswerStream): Promise<void> {
    const claim = new ByteClaim(this.wholeAnswers);
    try {
      if (sources.length === 1) return await this.collectInOrder(sources[0]!, framing, exchange, claim);
      const bySeries = new Map<string, WholeSeries>();
      // Set when a source failed or found no room: the others stop, and claim nothing more.
      let failed = false;
      // Each source gives its series in byte order, so the answer's order is a merge of theirs.
      const orders = await Promise.all(
        sources.map(async (source) => {
          const order: string[] = [];
          try {
            for (;;) {
              if (exchange.done || failed) {
                await source.close();
                return order;
              }
              const page = await source.next();
              if (failed) {
                if (!page.done) await source.close();
                return order;
              }
              claimWholeAnswer(claim, claim.bytes + page.body.byteLength);
              const framed = page.seriesFramed === true;
              for (const object of page.objects) {
                const { name, start, end, count } = object;
                if (addWholePart(bySeries, name, object.columns, framed, page.body, start, end, count)) order.push(name);
              }
              if (page.done) return order;
            }
          } catch (err) {
            failed = true;
            await source.close();
            throw err;
          }
        }),
      );
      sendWholeAnswer(exchange, mergeByteOrdered(orders), bySeries, framing, claim);
    } finally {
      // Handed to the exchange with the answer; released here when the answer failed.
      claim.release();
    }
  }

  /**
   * A whole answer from one source: its series come in order, so each page is copied into the
   * answer as it arrives, before the next is asked for. A one-shard scan's pages can then take
   * turns in two shared slots: a page moved in a buffer of its own was external memory on the
   * main thread, and a one-series export made V8 run a full collection every 31 answers.
   */
  private async collectInOrder(source: PageSource, framing: Framing, exchange: AnswerStream, claim: ByteClaim): Promise<void> {
    const answer = new WholeAnswerWriter(framing, claim);
    try {
      for (;;) {
        if (exchange.done) return await source.close();
        const page = await source.next();
        const framed = page.seriesFramed === true;
        try {
          for (const { name, columns, start, end, count } of page.objects) answer.add(name, columns, framed, page.body.subarray(start, end), count);
        } catch (err) {
          // No room for the answer (claimWholeAnswer): the shard's cursor is let go at once.
          if (!page.done) await source.close();
          throw err;
        }
        if (page.done) return answer.send(exchange);
      }
    } finally {
      answer.discard();
      source.release?.();
    }
  }
}

/** A page the shard framed itself: its body as it is, or the piece the shard compressed it into. */
function framedBody(page: Page): Uint8Array | DeflatedPiece {
  if (page.objects.length === 0) return new Uint8Array(0);
  return page.deflated ? { deflated: page.body, check: page.deflated.check, length: page.deflated.length } : page.body;
}

/** A page's objects as bare, concatenated JSON objects (0.8's chunked framing). */
function framePage(page: Page, framing: Framing): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const object of page.objects) {
    parts.push(Buffer.from(seriesObjectHead(object.name, object.columns, framing)));
    parts.push(page.body.subarray(object.start, object.end));
    parts.push(Buffer.from(seriesObjectTail(framing)));
  }
  return Buffer.concat(parts);
}
