/**
 * A shard that refuses its part of a multi-shard write before logging it (overloaded, or the
 * database is being dropped) must remember the transaction as failed: once it flushes past
 * the id, recovery would otherwise take its missing record for a flushed one and keep the
 * other shards' parts of a request the client was told failed.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { Shard, ShardError, type ShardOptions } from '../../src/storage/shard.js';
import { abortedTransactions } from '../../src/storage/transactions.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const BOTH_SHARDS = 0b11;

function batch(points: number): Uint8Array {
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, i];
  const time = Float64Array.from({ length: points }, (_, i) => i);
  return encodeWriteBatch('db', [{ series: 's', count: points, time, seq: new Float64Array(points), columns: [value] }]);
}

test('a write refused as overloaded is remembered as failed past the next flush', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1024, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  // 1,100,000 points (over 16 MiB sealed, at 17 bytes a point): committed, the memtable is
  // past twice its size and the headroom before any flush ran, so the next write is refused.
  await shard.write([batch(1_100_000)], [{ txn: 1, participants: BOTH_SHARDS, base: 1 }]);
  shard.advance({ resolvedBelow: 2, aborted: [], committed: [] });
  const refusal = t.throws(() => shard.write([batch(1)], [{ txn: 201, participants: BOTH_SHARDS, base: 201 }]));
  t.is((refusal as ShardError).status, 503);
  shard.advance({ resolvedBelow: 202, aborted: [201], committed: [] });
  await shard.close();

  const report = new Shard(options, () => undefined).transactionReport();
  t.true(report.flushedBelow > 201, 'the flush went past the refused transaction');
  const otherShard = { flushedBelow: 0, flushedAbove: [], failed: [], logged: new Map([[201, BOTH_SHARDS]]), maxLogged: 201 };
  t.deepEqual([...abortedTransactions([report, otherShard], 1)], [201], "the other shard's part is left out");
});
