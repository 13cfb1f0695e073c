/**
 * A format 2 segment's footer holds its series' summary, so the manifest lists only the file:
 * what it said per series (170 bytes a series a file) was rewritten with every flush. The shard
 * reads the summary from the footer when it opens; a manifest of an older build, which lists
 * the entries, still opens and is saved without them at the next flush.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readSegmentIndex } from '../../src/storage/segment-file.js';
import { createDb, querySeries, writeOk } from '../helpers/client.js';
import { readShardManifest } from '../helpers/manifests.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'lean';
const SERIES = 300;
const POINTS = 20;

interface SavedManifest {
  segments: { file: string; format?: number; entries?: unknown[] }[];
}

const body = (from: number) =>
  Array.from({ length: SERIES }, (_, s) => ({
    name: `s${s}`,
    columns: ['time', 'value'],
    points: Array.from({ length: POINTS }, (_, i) => [from + i, s + i / 100]),
  }));

async function everySeriesWhole(t: import('ava').ExecutionContext, server: Awaited<ReturnType<typeof startServer>>, points: number): Promise<void> {
  const result = await querySeries(server, DB, 'select value from /^s/', { time_precision: 's' });
  t.is(result.length, SERIES);
  t.true(result.every((series) => series.points.length === points));
}

test('the manifest lists format 2 files without their series; restarts and older manifests read every point', async (t) => {
  const first = await startServer({ args: ['--shards', '1'] });
  await createDb(first, DB);
  await writeOk(first, DB, body(1_400_000_000), { precision: 's' });
  await first.stop(); // flushes one segment
  const shardDir = path.join(first.dataDir, 'shards', '0');
  const manifestFile = path.join(shardDir, 'manifest.json');
  const saved = JSON.parse(await readFile(manifestFile, 'utf8')) as SavedManifest;
  t.is(saved.segments.length, 1);
  t.is(saved.segments[0]!.format, 2);
  t.false('entries' in saved.segments[0]!, 'a format 2 segment is listed without its entries');
  t.true((await readFile(manifestFile)).byteLength < 80 * SERIES, 'the manifest holds the catalog, not a summary per series and file');
  // The footer has them: the test helper reads them as the shard does.
  const viewed = await readShardManifest(shardDir);
  t.is(viewed.segments[0]!.entries.length, SERIES);
  t.true(viewed.segments[0]!.entries.every((e) => e.count === POINTS && e.db === DB));

  const second = await startServer({ dataDir: first.dataDir, args: ['--shards', '1'] });
  await everySeriesWhole(t, second, POINTS);
  await second.stop();

  // As an older build saved it: the entries listed in the manifest.
  const index = readSegmentIndex(path.join(shardDir, 'segments', saved.segments[0]!.file));
  const entries = index.series.map(({ db, series, count, minTime, maxTime, maxSeq, blocks }) => ({
    db,
    series,
    offset: 0,
    length: blocks.reduce((sum, block) => sum + block.length, 0),
    count,
    minTime,
    maxTime,
    maxSeq,
  }));
  const older = { ...saved, segments: [{ ...saved.segments[0]!, entries }] };
  await writeFile(manifestFile, JSON.stringify(older));
  const third = await startServer({ dataDir: first.dataDir, args: ['--shards', '1'] });
  await everySeriesWhole(t, third, POINTS);
  await writeOk(third, DB, body(1_500_000_000), { precision: 's' });
  await third.stop();
  const resaved = JSON.parse(await readFile(manifestFile, 'utf8')) as SavedManifest;
  t.true(resaved.segments.length >= 1);
  t.true(resaved.segments.every((segment) => segment.format === 2 && !('entries' in segment)), 'saved again without entries');

  const fourth = await startServer({ dataDir: first.dataDir, args: ['--shards', '1'] });
  await everySeriesWhole(t, fourth, 2 * POINTS);
});
