/**
 * Data directories of older builds hold segments of format 1 (one Arrow IPC stream per series,
 * listed with offset and length in the manifest). They stay readable: scans read such an entry
 * as one piece beside the blocks of newer segments, and compaction rewrites it as blocks.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestDocument } from '../../src/storage/manifest.js';
import { encodeSeriesSegment } from '../../src/storage/segment-codec.js';
import { createDb, querySeries, writeOk } from '../helpers/client.js';
import { seriesOf } from '../helpers/series-rows.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'old';
const ROWS = 3000;
const START_US = 1_400_000_000_000_000;

test('a format 1 segment of an older build is read, and newer points join it', async (t) => {
  const fresh = await startServer({ args: ['--shards', '1'] });
  await createDb(fresh, DB);
  await fresh.stop();

  // What an older build left: one format 1 segment holding the series, listed in the manifest.
  const rows = seriesOf(
    'legacy',
    Array.from({ length: ROWS }, (_, i) => ({ time: START_US + i * 1_000_000, values: { value: i } })),
    1,
  );
  const bytes = encodeSeriesSegment(rows);
  const shardDir = path.join(fresh.dataDir, 'shards', '0');
  await writeFile(path.join(shardDir, 'segments', 'seg-00000001.arrows'), bytes);
  const manifest: ManifestDocument = {
    version: 1,
    walCheckpoint: 0,
    nextSegmentId: 2,
    segments: [
      {
        id: 1,
        file: 'seg-00000001.arrows',
        entries: [
          { db: DB, series: 'legacy', offset: 0, length: bytes.length, count: ROWS, minTime: rows.time[0]!, maxTime: rows.time[ROWS - 1]!, maxSeq: ROWS },
        ],
      },
    ],
    catalog: { [DB]: { legacy: ['value'] } },
  };
  await writeFile(path.join(shardDir, 'manifest.json'), JSON.stringify(manifest));

  const server = await startServer({ dataDir: fresh.dataDir, args: ['--shards', '1'] });
  const [all] = await querySeries(server, DB, 'select value from legacy order asc', { time_precision: 's' });
  t.is(all?.points.length, ROWS);
  t.deepEqual(all?.points[0], [START_US / 1e6, 1, 0]);
  const [newest] = await querySeries(server, DB, 'select value from legacy limit 1', { time_precision: 's' });
  t.deepEqual(newest?.points.map((p) => p[2]), [ROWS - 1]);

  await writeOk(server, DB, [{ name: 'legacy', columns: ['time', 'value'], points: [[START_US / 1e6 + ROWS, ROWS]] }], { precision: 's' });
  await server.stop(); // the new point goes to a format 2 segment beside the old one
  const restarted = await startServer({ dataDir: fresh.dataDir, args: ['--shards', '1'] });
  const [both] = await querySeries(restarted, DB, 'select value from legacy order asc', { time_precision: 's' });
  t.is(both?.points.length, ROWS + 1);
  t.is(both?.points.at(-1)?.[2], ROWS);
  const [counted] = await querySeries(restarted, DB, 'select count(value) from legacy');
  t.deepEqual(counted?.points, [[0, ROWS + 1]]);
});
