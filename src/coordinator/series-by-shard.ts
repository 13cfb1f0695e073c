import { BadRequestError } from '../errors.js';
import { sortByteOrder } from '../util/byte-order.js';
import type { ShardHandle } from '../shards/shard-handle.js';
import type { Storage } from '../shards/storage.js';
import { NO_SERIES_MATCHED } from '../query/errors.js';
import type { SeriesSource } from '../query/plan.js';
import { shardOf } from '../storage/router.js';

/** The wanted series of each shard that owns any, each list in byte order. */
export async function seriesByShard(storage: Storage, db: string, source: SeriesSource): Promise<Map<ShardHandle, string[]>> {
  if (source.kind === 'regex') {
    const matching = await storage.seriesByShard(db, source.regex);
    if (matching.size === 0) throw new BadRequestError(NO_SERIES_MATCHED);
    return matching;
  }
  const byShard = new Map<ShardHandle, string[]>();
  for (const name of sortByteOrder([...new Set(source.names)])) {
    const shard = storage.shardFor(db, name);
    const names = byShard.get(shard);
    if (names) names.push(name);
    else byShard.set(shard, [name]);
  }
  return byShard;
}

/** The shards a read of `source` can touch: those its names hash to; undefined (every shard) for a regex. */
export function shardsOfSource(shardCount: number, db: string, source: SeriesSource): number[] | undefined {
  if (source.kind === 'regex') return undefined;
  return [...new Set(source.names.map((name) => shardOf(db, name, shardCount)))];
}
