import type { LogPart } from '../storage/write-batch-messages.js';

/**
 * Where parsed write batches go instead of the local shards in cluster mode: a replicated log
 * (src/cluster/). The request is acknowledged once `append` resolves.
 */
export interface WriteLog {
  /** The largest message the log takes, in bytes as sent: a write's parts are cut to fit (storage/write-batch-messages.ts). */
  readonly messageBytes: number;
  /** `count` consecutive sequence-number ordinals no other front end hands out; returns the first. */
  reserveOrdinals(count: number): Promise<number>;
  /**
   * Logs each part as a message named by its id: the log keeps one message per id (within its
   * duplicate window), so a write sent twice is stored once. A client's write is named by its
   * batches' digests (storage/write-batch-digest.ts). `base` is the request's first sequence-number ordinal.
   */
  append(db: string, parts: readonly LogPart[], base: number): Promise<void>;
}
