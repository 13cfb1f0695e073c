/**
 * A real Shard in a temporary directory, for unit tests that drive it without worker threads:
 * its options, write batches of float points, a writer that commits each write as its own
 * transaction, and a count of a series' rows as a scan sees them.
 */
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import type { Shard, ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const ONE_SHARD = 0b1;

/** No fsync, memtables that flush only when asked, no block cache. */
export function unitShardOptions(dir: string): ShardOptions {
  return { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
}

/** `points` rows of one float column `value` (0, 1, …) at times first, first + 1, … */
export function floatBatch(db: string, series: string, first: number, points: number): Uint8Array {
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, i];
  const time = Float64Array.from({ length: points }, (_, i) => first + i);
  return encodeWriteBatch(db, [{ series, count: points, time, seq: new Float64Array(points), columns: [value] }]);
}

/** Writes a batch to a shard as the next transaction and commits it, as storage does for a one-shard request. */
export function committingWriter(): (shard: Shard, bytes: Uint8Array) => Promise<void> {
  let txn = 0;
  return async (shard, bytes) => {
    txn++;
    await shard.write([bytes], [{ txn, participants: ONE_SHARD, base: txn * 1_000_000 }]);
    shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
  };
}

/** The rows a scan of the whole series reads; throws as the shard does for a series it does not hold. */
export function seriesRowCount(shard: Shard, db: string, series: string): number {
  return shard.withSnapshots({ db, series: [series], startUs: -Infinity, endUs: Infinity, order: 'asc', requiredColumns: [] }, (snapshot) => {
    let n = 0;
    const blocks = snapshot(series).blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) n += step.value.count;
    return n;
  });
}
