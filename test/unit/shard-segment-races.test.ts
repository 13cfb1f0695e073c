/**
 * A flush and a compaction each write a segment file while the shard keeps serving, and each
 * then edits the manifest's segment list. Whichever finishes second must edit the list as it
 * is then: a flush that put back the list it saw before a compaction finished would list
 * files the compaction deleted and forget the merged one — rows lost at the next start.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const ONE_SHARD = 0b1;

function batch(series: string, first: number, points: number): Uint8Array {
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, i];
  const time = Float64Array.from({ length: points }, (_, i) => first + i);
  return encodeWriteBatch('db', [{ series, count: points, time, seq: new Float64Array(points), columns: [value] }]);
}

function rowCount(shard: Shard, series: string): number {
  return shard.withSnapshots({ db: 'db', series: [series], startUs: -Infinity, endUs: Infinity, order: 'asc', requiredColumns: [] }, (snapshot) => {
    let n = 0;
    const blocks = snapshot(series).blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) n += step.value.count;
    return n;
  });
}

test('a flush that ends after a compaction keeps the compacted list', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  let txn = 0;
  const write = async (shard: Shard, bytes: Uint8Array): Promise<void> => {
    txn++;
    await shard.write([bytes], [{ txn, participants: ONE_SHARD, base: txn * 1_000_000 }]);
    shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
  };

  // Four segments of one size, the last written at close, when no compaction starts.
  const first = new Shard(options, () => undefined);
  await first.recover(new Set(), ['db']);
  for (let k = 0; k < 4; k++) {
    await write(first, batch('small', k * 100_000, 100_000));
    if (k < 3) await first.flush();
  }
  await first.close();

  // Opening starts their compaction; a large flush starts while it runs and ends after it.
  const second = new Shard(options, () => undefined);
  await second.recover(new Set(), ['db']);
  await write(second, batch('large', 0, 1_000_000));
  await second.flush();
  await second.close();

  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { segments: { file: string }[] };
  for (const { file } of manifest.segments) t.true(existsSync(path.join(dir, 'segments', file)), `${file} is listed and on disk`);
  const third = new Shard(options, () => undefined);
  await third.recover(new Set(), ['db']);
  t.is(rowCount(third, 'small'), 400_000);
  t.is(rowCount(third, 'large'), 1_000_000);
  await third.close();
});
