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
import { Shard } from '../../src/storage/shard.js';
import { committingWriter, floatBatch, seriesRowCount, unitShardOptions } from '../helpers/shard-fixture.js';

const batch = (series: string, first: number, points: number): Uint8Array => floatBatch('db', series, first, points);
const rowCount = (shard: Shard, series: string): number => seriesRowCount(shard, 'db', series);

test('a flush that ends after a compaction keeps the compacted list', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options = unitShardOptions(dir);
  const write = committingWriter();

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
