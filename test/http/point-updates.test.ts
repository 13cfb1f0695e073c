/**
 * Point updates (http-api.md §4.5–4.6): writing an existing (series, time, sequence_number)
 * overwrites the supplied columns and leaves the others; a `null` removes that column's value,
 * and a point whose every column is null no longer exists — whether the older version is in
 * the memtable or in a segment, and after a restart and a compaction.
 */
import test from 'ava';
import { singleNodeTest } from '../helpers/single-node-test.js';
import { createDb, querySeries, writeOk, type SeriesResult } from '../helpers/client.js';
import { segmentRows, waitForManifests, type ManifestView } from '../helpers/manifests.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'u';
const COLUMNS = ['time', 'sequence_number', 'a', 'b', 'c'];

function put(server: TestServer, points: unknown[][], columns = COLUMNS): Promise<void> {
  return writeOk(server, DB, [{ name: 'p', columns, points }], { precision: 's' });
}

/** The points of `p` as {time: {column: value}} without nulls, oldest first. */
async function points(server: TestServer): Promise<Record<number, Record<string, unknown>>> {
  const result: SeriesResult[] = await querySeries(server, DB, 'select * from p order asc', { time_precision: 's' });
  const out: Record<number, Record<string, unknown>> = {};
  for (const series of result) {
    for (const point of series.points) {
      const values: Record<string, unknown> = {};
      series.columns.forEach((name, i) => {
        if (name !== 'time' && name !== 'sequence_number' && point[i] !== null) values[name] = point[i];
      });
      out[point[0] as number] = values;
    }
  }
  return out;
}

/** Writes the originals, then the updates; `between` runs in between (a flush, a restart…). */
async function scenario(server: TestServer, between: () => Promise<void>): Promise<void> {
  await put(server, [
    [1, 7, 1, 2, 3],
    [2, 7, 1, 2, 3],
    [3, 7, 1, 2, 3],
    [4, 7, 1, 2, 3],
  ]);
  await between();
  await put(server, [[1, 7, 10]], ['time', 'sequence_number', 'a']); // a overwritten, b and c kept
  await put(server, [[2, 7, null, 20]], ['time', 'sequence_number', 'b', 'a']); // b removed, a overwritten
  await put(server, [[3, 7, null, null, null]]); // every column removed: the point is gone
  await put(server, [[4, 8, 9, null, null]]); // another sequence number: a new point beside the old
}

const AFTER = {
  1: { a: 10, b: 2, c: 3 },
  2: { a: 20, c: 3 },
  4: { a: 9 },
};

test('updates in the memtable: supplied columns overwritten, nulls remove, an all-null point is gone', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await scenario(server, async () => undefined);
  const seen = await points(server);
  // Two points at time 4 (sequence numbers 7 and 8): the object keeps the last in order asc.
  t.deepEqual(seen, { ...AFTER, 4: { a: 9 } });
  for (const [name, count] of [['a', 4], ['b', 2], ['c', 3]] as const) {
    const [counted] = await querySeries(server, DB, `select count(${name}) from p`);
    t.is(counted!.points[0]![1], count, name);
  }
  t.deepEqual(await querySeries(server, DB, 'select b from p where time > 2s and time < 4s'), []);
  // A null in a new point stores nothing.
  await writeOk(server, DB, [{ name: 'fresh', columns: ['time', 'x', 'y'], points: [[1, null, 1]] }], { precision: 's' });
  t.deepEqual((await querySeries(server, DB, 'select * from fresh'))[0]!.points.map((p) => p.slice(2)), [[null, 1]]);
});

singleNodeTest('updates over a flushed segment hold after a restart and after compaction', async (t) => {
  const args = ['--shards', '1', '--flush-idle-ms', '100'];
  const server = await startServer({ args });
  await createDb(server, DB);
  await scenario(server, () => waitForManifests(server.dataDir, (m) => segmentRows(m, 'p') === 4, 'the flush').then(() => undefined));
  const expected = { ...AFTER, 4: { a: 9 } };
  t.deepEqual(await points(server), expected, 'over the segment');
  await server.kill9();
  const replayed = await startServer({ dataDir: server.dataDir, args });
  t.deepEqual(await points(replayed), expected, 'after kill -9');
  // More flushes make the shard compact its segments: the original and updated versions of the
  // points merge into one row each, and the point whose columns were all erased leaves no row.
  for (let i = 0; i < 4; i++) {
    await writeOk(replayed, DB, [{ name: 'filler', columns: ['time', 'v'], points: [[i, i]] }], { precision: 's' });
    await waitForManifests(replayed.dataDir, (m) => segmentRows(m, 'filler') === i + 1, `flush ${i}`);
  }
  const holding = (m: ManifestView[]) => m[0]!.segments.filter((segment) => segment.entries.some((e) => e.series === 'p'));
  await waitForManifests(replayed.dataDir, (m) => holding(m).length === 1 && segmentRows(m, 'p') === 4, 'compaction of p into one segment');
  t.deepEqual(await points(replayed), expected, 'after compaction');
  await replayed.stop();
  const restarted = await startServer({ dataDir: server.dataDir });
  t.deepEqual(await points(restarted), expected, 'after a clean restart');
});
