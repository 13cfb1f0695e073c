/**
 * Read your writes: a write acknowledged to its client is visible to the next query, also
 * while an older write (another request, on another shard too) is still waiting for its
 * disk. The main thread reports such a younger commit to the shard explicitly, since the
 * watermark of resolved transactions cannot pass the older one yet.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { abortedTransactions } from '../../src/storage/transactions.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const TWO_SHARDS = 0b11;
const THIS_SHARD = 0b01;

function batch(series: string, time: number): Uint8Array {
  const value = allocateColumn('value', 1);
  [value.kinds[0], value.floats[0]] = [ValueKind.Float, time];
  return encodeWriteBatch('db', [{ series, count: 1, time: Float64Array.of(time), seq: new Float64Array(1), columns: [value] }]);
}

function visible(shard: Shard, series: string): number[] {
  return shard.withSnapshots({ db: 'db', series: [series], startUs: -1, endUs: 100, order: 'asc', requiredColumns: [] }, (snapshot) => {
    const out: number[] = [];
    const blocks = snapshot(series).blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) out.push(...step.value.time.subarray(0, step.value.count));
    return out;
  });
}

test('a transaction committed behind an older open one is visible at once; the older one when it commits', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 20, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  await shard.write([batch('older', 1)], [{ txn: 1, participants: TWO_SHARDS, base: 1 }]);
  await shard.write([batch('younger', 2)], [{ txn: 2, participants: THIS_SHARD, base: 2 }]);
  shard.advance({ resolvedBelow: 1, aborted: [], committed: [2] });
  t.deepEqual(visible(shard, 'younger'), [2]);
  t.throws(() => visible(shard, 'older'), { message: "Couldn't look up columns for series: older" }, 'not before every participant logged it');
  shard.advance({ resolvedBelow: 3, aborted: [], committed: [] });
  t.deepEqual(visible(shard, 'older'), [1]);
  t.deepEqual(visible(shard, 'younger'), [2], 'applied once');
  await shard.close();
});

test('an early-visible transaction flushed to a segment is reported as flushed, so recovery elsewhere keeps it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 20, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  await shard.write([batch('older', 1)], [{ txn: 1, participants: THIS_SHARD, base: 1 }]);
  await shard.write([batch('younger', 2)], [{ txn: 2, participants: TWO_SHARDS, base: 2 }]);
  shard.advance({ resolvedBelow: 1, aborted: [], committed: [2] });
  await shard.flush();
  const report = new Shard(options, () => undefined).transactionReport();
  t.false(report.logged.has(2), "the flush took transaction 2's record out of the WAL");
  t.true(report.flushedBelow <= 2);
  t.deepEqual(report.flushedAbove, [2]);
  const otherShard = { flushedBelow: 0, flushedAbove: [], failed: [], logged: new Map([[2, TWO_SHARDS]]), maxLogged: 2 };
  t.deepEqual([...abortedTransactions([report, otherShard], 1)], [], "the other shard's part is kept");
  await shard.close();
});
