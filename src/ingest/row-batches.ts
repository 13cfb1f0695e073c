/**
 * A request's `SeriesRows`, committed into one write batch per shard when the request has
 * been parsed whole — nothing is committed from a request that fails part way.
 */
import { WriteBatchBuilder } from '../storage/write-batch.js';
import type { SeriesRows } from './series-rows.js';

/** Builders live as long as the parse worker, so their capacity is reused between requests. */
const builderPool: WriteBatchBuilder[] = [];

export interface RowBatches {
  readonly pointCount: number;
  /** Distinct names of the series written, in first-seen order (for permission checks). */
  readonly seriesNames: string[];
  /** Index = shard; null for a shard the request doesn't touch. */
  readonly batches: (Uint8Array | null)[];
}

/**
 * `listed`: which names `seriesNames` holds. `all` when no two of `series` have the same name;
 * `distinct` de-duplicates them; `none` when no permission check needs them (a body of
 * thousands of new series would hash every new name string into a set).
 */
export function commitRows(db: string, shardCount: number, series: readonly SeriesRows[], listed: 'all' | 'distinct' | 'none'): RowBatches {
  const builders: (WriteBatchBuilder | undefined)[] = new Array<WriteBatchBuilder | undefined>(shardCount);
  let pointCount = 0;
  for (const rows of series) {
    let builder = builders[rows.shard];
    if (builder === undefined) {
      builder = builderPool[rows.shard] ??= new WriteBatchBuilder();
      builder.reset(db);
      builders[rows.shard] = builder;
    }
    rows.commit(builder);
    pointCount += rows.count;
  }
  const names = listed === 'none' ? [] : series.map((rows) => rows.name);
  return { pointCount, seriesNames: listed === 'distinct' ? [...new Set(names)] : names, batches: Array.from(builders, (builder) => (builder === undefined ? null : builder.finish())) };
}
