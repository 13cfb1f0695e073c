/**
 * Where parsed write batches go instead of the local shards in cluster mode: a replicated log
 * (src/cluster/). The request is acknowledged once `append` resolves.
 */
export interface WriteLog {
  /** `count` consecutive sequence-number ordinals no other front end hands out; returns the first. */
  reserveOrdinals(count: number): Promise<number>;
  /**
   * Index = partition: a batch or null, with the id of the message that carries it: the log
   * keeps one message per id (within its duplicate window), so a write sent twice is stored
   * once. A client's write is named by its batch's digest (batch-digest.ts). With `rawBytes`,
   * the batches are deflated (storage/write-batch-deflate.ts) and these are their sizes inflated.
   */
  append(db: string, batches: readonly (ArrayBuffer | null)[], base: number, messageIds: readonly (string | null)[], rawBytes?: readonly (number | null)[]): Promise<void>;
}
