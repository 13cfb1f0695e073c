/**
 * A delete reaches writes whose transaction has not committed yet: such a write may already be
 * acknowledged (its WAL record is durable) while an older transaction elsewhere is still open,
 * so a client that deletes right after it must not see its rows come back when it commits —
 * nor after a restart replays both records.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

function batch(points: number): Uint8Array {
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, i];
  const time = Float64Array.from({ length: points }, (_, i) => i);
  return encodeWriteBatch('db', [{ series: 's', count: points, time, seq: Float64Array.from({ length: points }, () => 1), columns: [value] }]);
}

function times(shard: Shard): number[] {
  return shard.withSnapshots({ db: 'db', series: ['s'], startUs: -1, endUs: 100, order: 'asc', requiredColumns: [] }, (snapshot) => {
    const out: number[] = [];
    const blocks = snapshot('s').blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) out.push(...step.value.time.subarray(0, step.value.count));
    return out;
  });
}

test('a delete removes the rows of a logged write that commits after it, also on replay', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 20, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  await shard.write([batch(10)], [{ txn: 1, participants: 1, base: 1 }]);
  t.deepEqual(shard.listSeries('db'), [], 'not committed yet');
  await shard.deleteSeries({ db: 'db', series: ['s'], startUs: 0, endUs: 5, drop: false });
  shard.advance({ resolvedBelow: 2, aborted: [], committed: [] });
  t.deepEqual(times(shard), [5, 6, 7, 8, 9]);
  // The WAL holds the write, then the delete: replay applies them in that order.
  const replayed = new Shard(options, () => undefined);
  await replayed.recover(new Set(), ['db']);
  t.deepEqual(times(replayed), [5, 6, 7, 8, 9]);
  await replayed.close();
});
