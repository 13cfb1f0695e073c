import { columnTypeOf, type KindSet } from '../engine/arrow/column-types.js';
import type { ArrowLayout } from '../engine/arrow/record-batch.js';
import { BadRequestError } from '../errors.js';
import type { Exchange } from '../http/exchange.js';
import type { ArrowScanOutput } from '../storage/scan.js';
import type { Storage } from '../storage/storage.js';
import type { TimePrecision } from '../time-precision.js';
import { byteOrder } from '../util/byte-order.js';
import type { ArrowAggregateRequest } from './aggregate-arrow.js';
import { batchesOf, requestFor, rowShaping } from './aggregate-coordinator.js';
import { streamArrow } from './arrow-answer.js';
import { arrowStreamHead } from './arrow-stream-head.js';
import type { PageSource } from './page-source.js';
import type { AggregatePlan } from './plan-aggregate.js';
import { seriesByShard } from './series-by-shard.js';

/**
 * An aggregate select as an Arrow stream: `series`, `time` (bucket start, or 0) and the
 * functions' and group-by columns, no sequence number. Every shard first reports the kinds of
 * its rows (aggregate-arrow.ts), checking all its series as a JSON answer does, so errors are
 * ordinary 400s; then each answers its series, a batch of series per record batch.
 */
export async function answerAggregateInArrow(storage: Storage, db: string, plan: AggregatePlan, precision: TimePrecision, exchange: Exchange): Promise<void> {
  if (plan.merged || plan.joined) throw new BadRequestError('format=arrow is not supported for aggregates over merge and join yet');
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
  const names = shards.flatMap((s) => s.names).sort(byteOrder);
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
