import type { SeriesDeleteRequest } from './shard-worker.js';

/**
 * In cluster mode, deletes and drops do not change the local shards directly: they are logged
 * in order with the writes, and every node's shards apply them from the log (src/cluster/).
 * Reads first wait until this node has stored every write it acknowledged.
 */
export interface ChangeLog {
  deleteSeries(request: SeriesDeleteRequest): Promise<void>;
  dropDatabase(db: string, created: number): Promise<void>;
  /**
   * Resolves once a read here sees every write this node has acknowledged (503 past a bound),
   * in `partitions` (all when undefined).
   */
  readBarrier(partitions?: readonly number[]): Promise<void>;
}
