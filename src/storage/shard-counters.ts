/**
 * Timing counters a shard thread keeps for /metrics in memory shared with the main thread:
 * the shard adds to them as it logs and flushes (a few per batch, never per point), and a
 * scrape reads them without a message to the shard, so a busy mailbox never delays it.
 *
 * Each counter is a pair of float64 slots, count and total seconds. Only the shard writes
 * them; an aligned 8-byte read on the main thread sees the old or the new value.
 */
export const ShardTimer = {
  /** One write(2) of a group of WAL records. */
  WalAppend: 0,
  /** One fdatasync of the WAL (group commit, interval or rotation). */
  WalFsync: 1,
  /** One memtable flush to a segment. */
  Flush: 2,
} as const;
export type ShardTimer = (typeof ShardTimer)[keyof typeof ShardTimer];

export const SHARD_TIMER_NAMES: Record<ShardTimer, string> = { 0: 'wal_append', 1: 'wal_fsync', 2: 'flush' };

const TIMER_COUNT = 3;

export function createShardCounters(): Float64Array {
  return new Float64Array(new SharedArrayBuffer(TIMER_COUNT * 2 * 8));
}

/** The counters of this thread's shard; unset outside a shard thread (tests, tools), where timing is skipped. */
let counters: Float64Array | undefined;

export function installShardCounters(shared: Float64Array): void {
  counters = shared;
}

/** Counts one `timer` event that began at `startedMs` (`performance.now()`). */
export function recordShardTimer(timer: ShardTimer, startedMs: number): void {
  if (counters === undefined) return;
  counters[2 * timer] = counters[2 * timer]! + 1;
  counters[2 * timer + 1] = counters[2 * timer + 1]! + (performance.now() - startedMs) / 1000;
}

/** The number of `timer` events and their total seconds, read on the main thread. */
export function readShardTimer(shared: Float64Array, timer: ShardTimer): { count: number; seconds: number } {
  return { count: shared[2 * timer]!, seconds: shared[2 * timer + 1]! };
}
