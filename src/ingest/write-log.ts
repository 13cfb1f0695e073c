/**
 * Where parsed write batches go instead of the local shards in cluster mode: a replicated log
 * (src/cluster/). The request is acknowledged once `append` resolves.
 */
export interface WriteLog {
  /** `count` consecutive sequence-number ordinals no other front end hands out; returns the first. */
  reserveOrdinals(count: number): Promise<number>;
  /** Index = partition: a batch or null, with the batch's digest (batch-digest.ts). */
  append(db: string, batches: readonly (ArrayBuffer | null)[], base: number, digests: readonly (string | null)[]): Promise<void>;
}
