import { columnTypeOf } from '../engine/arrow/column-types.js';
import type { KindSet } from '../storage/kind-set.js';
import type { ArrowLayout } from '../engine/arrow/record-batch.js';
import type { AnswerStream } from './answer-stream.js';
import type { ArrowScanOutput } from '../operators/scan-cursor.js';
import type { Storage } from '../shards/storage.js';
import type { TimePrecision } from '../time-precision.js';
import { sortByteOrder } from '../util/byte-order.js';
import type { ArrowAggregateRequest, OneSeriesBatch } from '../operators/aggregate-arrow.js';
import { batchesOf, requestFor, rowShaping } from './aggregate-coordinator.js';
import { streamArrow } from './arrow-answer.js';
import { arrowStreamHead } from '../engine/arrow/stream-head.js';
import { openJoinedAggregate } from './joined-aggregate-coordinator.js';
import { mergedAggregate } from './merged-aggregate-coordinator.js';
import { onePageSource, type PageSource } from './page-source.js';
import type { AggregatePlan } from '../query/plan.js';
import { seriesByShard } from './series-by-shard.js';

/**
 * An aggregate select as an Arrow stream: `series`, `time` (bucket start, or 0) and the
 * functions' and group-by columns, no sequence number. Every shard first reports the kinds of
 * its rows (aggregate-arrow.ts), checking all its series as a JSON answer does, so errors are
 * ordinary 400s; then each answers its series, a batch of series per record batch.
 */
export async function answerAggregateInArrow(storage: Storage, db: string, plan: AggregatePlan, precision: TimePrecision, exchange: AnswerStream): Promise<void> {
  if (plan.merged || plan.joined) return answerOneSeriesAggregate(storage, db, plan, precision, exchange);
  const shaping = rowShaping(plan, precision, null);
  const request = (series: string[]): ArrowAggregateRequest => ({ ...requestFor(db, plan, shaping, series), columns: plan.columns });
  const shards = [...(await seriesByShard(storage, db, plan.source))].map(([shard, names]) => ({ shard, names, batches: batchesOf(names) }));
  const surveys = await Promise.all(
    shards.map(async ({ shard, names, batches }) => {
      const kinds: Record<string, KindSet>[] = [];
      for (const [b, series] of batches.entries()) kinds.push(await shard.surveyAggregate({ ...request(series), ...(b === 0 ? { checkFirst: names } : {}) }));
      return kinds;
    }),
  );
  const union = (name: string): KindSet => surveys.flat().reduce((set, kinds) => set | (kinds[name] ?? 0), 0);
  const layout: ArrowLayout = { precision, withSeq: false, columns: plan.columns.map((name) => ({ name, type: columnTypeOf(union(name)) })) };
  const names = sortByteOrder(shards.flatMap((s) => s.names));
  const seriesIndex = Object.fromEntries(names.map((name, i) => [name, i]));
  const sources = shards.map(({ shard, batches }): PageSource => {
    const output: ArrowScanOutput = { layout, seriesIndex };
    let next = 0;
    return {
      next: async () => {
        const body = await shard.aggregateBatch({ ...request(batches[next]!), output });
        next++;
        return { objects: [], body, done: next >= batches.length };
      },
      close: () => Promise.resolve(),
    };
  });
  await streamArrow(arrowStreamHead(layout, names), sources, exchange);
}

/**
 * An aggregate over `a merge b` or `x inner join y`: one output series, finished on one shard
 * (merged-aggregate.ts, joined-aggregate.ts), which answers its rows as one record batch and the
 * types they hold, so the schema is written after the rows are computed.
 */
async function answerOneSeriesAggregate(storage: Storage, db: string, plan: AggregatePlan, precision: TimePrecision, exchange: AnswerStream): Promise<void> {
  const request = requestFor(db, plan, rowShaping(plan, precision, null), []);
  let name: string;
  let answer: OneSeriesBatch;
  if (plan.merged) {
    name = plan.merged.name;
    const columns = plan.columns;
    answer = await mergedAggregate(storage, { ...request, name }, plan.merged.inputs, (host, merged, partials) => host.aggregateMergedInArrow({ ...merged, columns }, partials));
  } else {
    name = plan.joined!.name;
    answer = await lastPageOf(await openJoinedAggregate(storage, plan, plan.joined!, request, true), exchange);
  }
  const layout: ArrowLayout = { precision, withSeq: false, columns: plan.columns.map((column, c) => ({ name: column, type: answer.types[c] ?? 'float64' })) };
  await streamArrow(arrowStreamHead(layout, [name]), [onePageSource({ objects: [], body: answer.bytes, done: true })], exchange);
}

/** A joined aggregate's answer: its pages up to the last, which alone holds the rows. */
async function lastPageOf(source: PageSource, exchange: AnswerStream): Promise<OneSeriesBatch> {
  for (;;) {
    // A client gone mid-join stops the pairing: the sides' cursors and the join are closed.
    if (exchange.done) {
      await source.close();
      return { types: [], bytes: new Uint8Array(0) };
    }
    const page = await source.next();
    if (page.done) return { types: page.arrowTypes ?? [], bytes: page.body };
  }
}
