/**
 * Dropping a database removes its data from disk, not only from view: after the drop and a
 * crash (kill -9), a restart must not bring it back from the WAL, no file may still name its
 * series, and another database written alongside it keeps every point.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, dropDb, listSeries, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('a dropped database stays dropped across a crash and leaves nothing on disk', async (t) => {
  const first = await startServer({ args: ['--shards', '2', '--memtable-bytes', '64KiB'] });
  await createDb(first, 'doomed');
  await createDb(first, 'kept');
  for (let batch = 0; batch < 20; batch++) {
    const points = Array.from({ length: 200 }, (_, i) => [1_380_000_000 + batch * 200 + i, batch + i / 100]);
    await writeOk(first, 'doomed', [{ name: 'doomed_series_marker', columns: ['time', 'value'], points }], { precision: 's' });
    await writeOk(first, 'kept', [{ name: 'kept.series', columns: ['time', 'value'], points }], { precision: 's' });
  }
  t.is((await dropDb(first, 'doomed')).status, 204);
  await first.kill9();

  const second = await startServer({ dataDir: first.dataDir, args: ['--shards', '2'] });
  await createDb(second, 'doomed');
  t.deepEqual(await listSeries(second, 'doomed'), [], 'the WAL did not bring the dropped series back');
  const kept = await querySeries(second, 'kept', 'select * from kept.series');
  t.is(kept[0]?.points.length, 4000, 'the other database kept every point');
  const mentions = filesUnder(second.dataDir).filter((path) => readFileSync(path).includes('doomed_series_marker'));
  t.deepEqual(mentions, [], 'no manifest or WAL file still names the dropped series');
});
