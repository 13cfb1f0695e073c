import type { Page } from '../storage/scan.js';
import type { ShardHandle } from '../storage/shard-handle.js';

/**
 * Where the coordinator pulls a query's JSON pages from: a shard's scan cursor, or a merge
 * fed by several shards. Pages are encoded in worker threads; the coordinator only frames them.
 */
export interface PageSource {
  next(): Promise<Page>;
  /** Stops early (the client went away): releases what the shards hold for the query. */
  close(): Promise<void>;
}

export function scanCursorSource(shard: ShardHandle, cursorId: number): PageSource {
  return { next: () => shard.nextPage(cursorId), close: () => shard.closeCursor(cursorId) };
}
