import type { SeriesPartial } from '../engine/series-partial.js';
import type { ShardHandle } from '../shards/shard-handle.js';
import type { Storage } from '../shards/storage.js';
import type { MergeMember, MergedAggregateRequest } from '../operators/merged-aggregate.js';

/**
 * Main thread: the merged series' rows. With both series on one shard that is one message;
 * otherwise the other shard's partial is asked for first and handed to the first series'
 * shard, which folds its own series and combines. Asking both at once and combining after
 * was slower (Q7 8 ms against 5 ms): the host's partial then crossed threads twice, and two
 * busy cores gain little from the overlap.
 */
export async function mergedAggregate<Answer>(
  storage: Storage,
  request: Omit<MergedAggregateRequest, 'series' | 'members'>,
  inputs: readonly string[],
  finish: (host: ShardHandle, request: MergedAggregateRequest, partials: SeriesPartial[]) => Promise<Answer>,
): Promise<Answer> {
  const last = inputs.length - 1;
  // 0.8 put the right series first on equal times in both directions (§10.1).
  const members = inputs.map((series, i): MergeMember => ({ series, tiesFirst: request.order === 'asc' ? i === last : i !== last }));
  const host = storage.shardFor(request.db, inputs[0]!);
  const byShard = new Map<ShardHandle, MergeMember[]>();
  for (const member of members) {
    const shard = storage.shardFor(request.db, member.series);
    byShard.set(shard, [...(byShard.get(shard) ?? []), member]);
  }
  const requestFor = (owned: readonly MergeMember[]): MergedAggregateRequest => ({
    ...request,
    series: [...new Set(owned.map((m) => m.series))],
    members: owned,
  });
  const others = [...byShard].filter(([shard]) => shard !== host);
  const partials = await Promise.all(others.map(([shard, owned]) => shard.aggregateMergedPartial(requestFor(owned))));
  return finish(host, requestFor(byShard.get(host)!), partials);
}
