/**
 * Compaction keeps the shard's segments few while flushes keep coming: small segments merge
 * into larger ones in the background, the manifest stops growing by one entry per series per
 * flush, replaced files leave the disk, and every point reads back once, with its newest values.
 */
import test from 'ava';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createDb, querySeries, sleep, writeOk, type SeriesInput } from '../helpers/client.js';
import { readShardManifest } from '../helpers/manifests.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'compact';
const SERIES = 20;
const REQUESTS = 40;
const POINTS = 100;

test('many small flushes end up in a few segments with every point once', async (t) => {
  const server = await startServer({ args: ['--shards', '1', '--memtable-bytes', '64KiB', '--flush-idle-ms', '50'] });
  await createDb(server, DB);
  for (let r = 0; r < REQUESTS; r++) {
    const body: SeriesInput[] = Array.from({ length: SERIES }, (_, s) => ({
      name: `c${s}`,
      columns: ['time', 'sequence_number', 'value'],
      points: Array.from({ length: POINTS }, (_, i) => [1_400_000_000 + (r * POINTS + i) * 10, 1, r * POINTS + i]),
    }));
    await writeOk(server, DB, body, { precision: 's' });
    if (r % 8 === 7) await sleep(150); // idle flushes too
  }
  // Rewrite the first point of every series: the newest value must win after merges.
  await writeOk(
    server,
    DB,
    Array.from({ length: SERIES }, (_, s) => ({ name: `c${s}`, columns: ['time', 'sequence_number', 'value'], points: [[1_400_000_000, 1, -1]] })),
    { precision: 's' },
  );

  const shardDir = path.join(server.dataDir, 'shards', '0');
  const settled = async () => {
    const manifest = await readShardManifest(shardDir);
    return { manifest, files: (await readdir(path.join(shardDir, 'segments'))).sort() };
  };
  // Background compactions and the last idle flush finish a moment after the writes.
  let { manifest, files } = await settled();
  // Until the files on disk are exactly the manifest's: a compaction caught between writing its
  // file and deleting the ones it replaced can show as many files as segments, but not the same.
  const listed = (): string => manifest.segments.map((s) => s.file).sort().join();
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && (manifest.segments.length > 12 || files.join() !== listed()); ) {
    await sleep(100);
    ({ manifest, files } = await settled());
  }
  t.true(manifest.segments.length <= 12, `${manifest.segments.length} segments`);
  const entries = manifest.segments.reduce((sum, s) => sum + s.entries.length, 0);
  t.true(entries <= SERIES * manifest.segments.length);
  t.deepEqual(files, manifest.segments.map((s) => s.file).sort(), 'replaced files left the disk');

  const result = await querySeries(server, DB, 'select value from /^c/ order asc', { time_precision: 's' });
  t.is(result.length, SERIES);
  for (const series of result) {
    const values = series.points.map((p) => p[series.columns.indexOf('value')]);
    t.is(values.length, REQUESTS * POINTS, series.name);
    t.is(values[0], -1);
    t.deepEqual(values.slice(1, 4), [1, 2, 3]);
  }
  await server.stop();
  const restarted = await startServer({ dataDir: server.dataDir, args: ['--shards', '1'] });
  const all = await querySeries(restarted, DB, 'select value from c0');
  t.is(all[0]?.points.length, REQUESTS * POINTS);
});
