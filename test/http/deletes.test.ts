/**
 * Deleting data (http-api.md §6.1–6.2, query-language.md §5.3–5.4): the seed's DELETE
 * endpoint, `delete from`, `drop series` and its endpoint, with their errors; and the storage
 * promise: deleted points never come back — not from a segment flushed before the delete,
 * not after a kill -9 (WAL replay) or a clean restart, not after compaction, not in an
 * aggregate, a merge or a chunked export — and compaction reclaims their space.
 */
import test from 'ava';
import { singleNodeTest } from '../helpers/single-node-test.js';
import {
  column,
  createDb,
  listSeries,
  query,
  querySeries,
  request,
  streamQuery,
  writeOk,
  type SeriesInput,
  type SeriesResult,
} from '../helpers/client.js';
import { readManifests, segmentRows, waitForManifests } from '../helpers/manifests.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'd';

function deleteRange(server: TestServer, params: Record<string, string>, db = DB) {
  return request(server, 'DELETE', `/db/${db}/series`, { params });
}

async function times(server: TestServer, q: string): Promise<number[]> {
  const result = await querySeries(server, DB, q, { time_precision: 's' });
  return result.length === 0 ? [] : (column(result[0]!, 'time') as number[]);
}

function seriesOf(name: string, from: number, to: number, value: (time: number) => unknown = (t) => t): SeriesInput {
  const points = [];
  for (let time = from; time <= to; time++) points.push([time, 1, value(time)]);
  return { name, columns: ['time', 'sequence_number', 'value'], points };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('DELETE /db/:db/series takes a time range out of named and regex-matched series; they stay listed', async (t) => {
  const server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  const names = Array.from({ length: 12 }, (_, i) => `load.${i}`);
  await writeOk(server, DB, [...names.map((name) => seriesOf(name, 1, 10)), seriesOf('cpu', 1, 10), seriesOf('mem', 1, 10)], { precision: 's' });

  // [start, end) in epoch seconds: points 3 and 4 go, 5 stays.
  t.is((await deleteRange(server, { name: 'cpu', start: '3', end: '5' })).status, 204);
  t.deepEqual(await times(server, 'select * from cpu order asc'), [1, 2, 5, 6, 7, 8, 9, 10]);
  // A regex spans both shards; name and regex together delete from both.
  t.is((await deleteRange(server, { regex: '^load\\.', name: 'mem', start: '0', end: '8' })).status, 204);
  for (const name of [...names, 'mem']) t.deepEqual(await times(server, `select * from "${name}" order asc`), [8, 9, 10], name);
  // No end: up to now. The emptied series stays listed and answers [].
  t.is((await deleteRange(server, { name: 'mem' })).status, 204);
  t.deepEqual(await querySeries(server, DB, 'select * from mem'), []);
  t.true((await listSeries(server, DB)).includes('mem'));
  t.deepEqual(await times(server, 'select * from cpu order asc'), [1, 2, 5, 6, 7, 8, 9, 10], 'other series untouched');

  t.deepEqual(await deleteRange(server, {}).then((r) => [r.status, r.text]), [400, 'name or regex is required']);
  t.is((await deleteRange(server, { name: 'cpu', start: '1.5' })).status, 400);
  t.is((await deleteRange(server, { name: 'cpu', end: 'soon' })).status, 400);
  t.is((await deleteRange(server, { regex: '[' })).status, 400);
  t.is((await deleteRange(server, { name: 'nothing' })).status, 204);
  t.is((await deleteRange(server, { name: 'cpu' }, 'nodb')).status, 204);
  t.is((await request(server, 'DELETE', `/db/${DB}/series`, { params: { name: 'cpu' }, auth: { u: 'root', p: 'wrong' } })).status, 401);
  t.deepEqual(await times(server, 'select * from cpu order asc'), [1, 2, 5, 6, 7, 8, 9, 10]);
});

test('DELETE /db/:db/series takes any int64 second as a bound: far-future points can go too', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'far', columns: ['time', 'v'], points: [[9_500_000_000, 1], [100, 1]] }], { precision: 's' });
  t.is((await deleteRange(server, { name: 'far', start: '9000000000', end: '9600000000' })).status, 204);
  t.deepEqual(await times(server, 'select * from far where time < 99999999999s order asc'), [100]);
  t.deepEqual(await deleteRange(server, { name: 'far', end: '9223372036854775808' }).then((r) => [r.status, r.text]), [
    400,
    'end must be an integer number of seconds since the epoch (an int64) but is 9223372036854775808',
  ]);
});

test('delete from: time ranges only, default end now, lists and /regex/i; errors as 0.8', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  const future = Math.floor(Date.now() / 1000) + 3600;
  await writeOk(
    server,
    DB,
    [seriesOf('a', 1, 10), seriesOf('b', 1, 10), seriesOf('Cx', 1, 10), { name: 'a', columns: ['time', 'value'], points: [[future, 0]] }],
    { precision: 's' },
  );
  const run = (q: string) => query(server, DB, q);
  const result = await run('delete from a where time > 2s and time < 4s');
  t.deepEqual([result.status, result.text], [200, '[]']);
  t.deepEqual(await times(server, 'select * from a where time < 20s order asc'), [1, 4, 5, 6, 7, 8, 9, 10]);
  t.deepEqual((await run('delete from a, b where time < 6s')).status, 200);
  t.deepEqual(await times(server, 'select * from b order asc'), [6, 7, 8, 9, 10]);
  t.deepEqual((await run('delete from /^cx$/i where 8s > time')).status, 200);
  t.deepEqual(await times(server, 'select * from Cx order asc'), [8, 9, 10]);
  // A bare delete ends now: the future point stays.
  t.is((await run('delete from a')).status, 200);
  t.deepEqual(await times(server, `select * from a where time < ${future + 1}s`), [future]);
  const chunked = await query(server, DB, 'delete from b where time < 7s', { chunked: 'true' });
  t.deepEqual([chunked.status, chunked.text], [200, '']);
  t.deepEqual(await times(server, 'select * from b order asc'), [7, 8, 9, 10]);

  const errors: [string, string][] = [
    ['delete from b where value > 1', "Delete queries can't have where clause that don't reference time"],
    ['delete from b where time > 1s and value > 1', "Delete queries can't have where clause that don't reference time"],
    ['delete from b where time = 8s', "Delete queries can't have where clause that don't reference time"],
    ['delete from b where time >= 8s', "Cannot use time with '>='"],
    ['delete from b where time > 1s or time < 3s', 'Invalid where clause, time must appear twice to specify start and end time'],
    ['delete from a merge b', "Merge and Inner joins can't be used with a delete query: 1"],
    ['delete from a inner join b', "Merge and Inner joins can't be used with a delete query: 2"],
  ];
  for (const [q, message] of errors) t.deepEqual(await run(q).then((r) => [r.status, r.text]), [400, message], q);
  t.deepEqual(await times(server, 'select * from b order asc'), [7, 8, 9, 10], 'refused deletes removed nothing');
});

test('drop series and DELETE /db/:db/series/:series remove the series, its columns and points', async (t) => {
  const server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  await writeOk(server, DB, [seriesOf('x', 1, 5), seriesOf('y.z', 1, 5), { name: 'keep', columns: ['time', 'v'], points: [[1, 1]] }], { precision: 's' });
  t.deepEqual(await query(server, DB, 'drop series x').then((r) => [r.status, r.text]), [200, '[]']);
  t.is((await request(server, 'DELETE', `/db/${DB}/series/y.z`)).status, 204);
  t.is((await request(server, 'DELETE', `/db/${DB}/series/never`)).status, 204);
  t.is((await query(server, DB, 'drop series never')).status, 200);
  t.deepEqual(await listSeries(server, DB), ['keep']);
  t.deepEqual(await query(server, DB, 'select * from x').then((r) => [r.status, r.text]), [400, "Couldn't look up columns for series: x"]);
  // Written again, it starts afresh: only the new point and its columns.
  await writeOk(server, DB, [{ name: 'x', columns: ['time', 'other'], points: [[3, 'new']] }], { precision: 's' });
  const [x] = await querySeries(server, DB, 'select * from x', { time_precision: 's' });
  t.deepEqual(x!.columns, ['time', 'sequence_number', 'other']);
  t.deepEqual(x!.points.map((p) => [p[0], p[2]]), [[3, 'new']]);
  await server.stop();
  const again = await startServer({ dataDir: server.dataDir });
  t.deepEqual(await listSeries(again, DB), ['keep', 'x']);
  t.deepEqual(await querySeries(again, DB, 'select other from x', { time_precision: 's' }).then((r) => r[0]!.points.length), 1);
});

test('a delete cuts rows out of memtable chunks sealed apart; every column and tag survives, also after kill -9', async (t) => {
  const server = await startServer({ args: ['--shards', '1'] });
  await createDb(server, DB);
  // Four writes of 300 points each, a query after each: each seal makes a chunk of its own.
  const mixed = (time: number) => ({ f: time / 4, n: time * 1_000_000_007, s: `s${time % 5}`, b: time % 2 === 0 });
  for (let from = 1; from <= 1200; from += 300) {
    const points = range(from, from + 299).map((time) => [time, 1, ...Object.values(mixed(time))]);
    await writeOk(server, DB, [{ name: 'm', columns: ['time', 'sequence_number', 'f', 'n', 's', 'b'], points }], { precision: 's' });
    const lines = range(from, from + 299).map((time) => `lp,host=a v=${time} ${time}`).join('\n');
    t.is((await request(server, 'POST', '/write', { params: { db: DB, precision: 's' }, body: lines })).status, 204);
    await querySeries(server, DB, 'select count(f) from m');
  }
  // Part of the first chunk, the second and third whole, part of the fourth; then a range
  // inside one chunk.
  t.is((await deleteRange(server, { regex: '^(m|lp)', start: '250', end: '950' })).status, 204);
  t.is((await deleteRange(server, { regex: '^(m|lp)', start: '1000', end: '1010' })).status, 204);
  const left = [...range(1, 249), ...range(950, 999), ...range(1010, 1200)];
  const check = async (target: TestServer, when: string) => {
    const [m] = await querySeries(target, DB, 'select f, n, s, b from m order asc', { time_precision: 's' });
    t.deepEqual(column(m!, 'time'), left, `m times ${when}`);
    t.deepEqual(
      left.map((_, i) => ['f', 'n', 's', 'b'].map((name) => column(m!, name)[i])),
      left.map((time) => Object.values(mixed(time))),
      `m values ${when}`,
    );
    const [lp] = await querySeries(target, DB, 'select v, host from "lp,host=a" order asc', { time_precision: 's' });
    t.deepEqual(column(lp!, 'v'), left, `lp values ${when}`);
    t.true(column(lp!, 'host').every((host) => host === 'a'), `lp tag ${when}`);
    const [counted] = await querySeries(target, DB, 'select count(v), sum(v) from "lp,host=a"');
    t.deepEqual(counted!.points[0]!.slice(1), [left.length, left.reduce((a, b) => a + b, 0)], `lp aggregate ${when}`);
  };
  await check(server, 'at once');
  await server.kill9();
  await check(await startServer({ dataDir: server.dataDir, args: ['--shards', '1'] }), 'after kill -9 (WAL replay)');
});

/** Every read path over series `s`: raw, aggregate (block stats), merge, chunked export. */
async function readEverything(server: TestServer): Promise<{ raw: number[]; count: number; sum: number; merged: number; chunked: number[] }> {
  const raw = await times(server, 'select value from s order asc');
  const [aggregate] = await querySeries(server, DB, 'select count(value), sum(value) from s');
  const [merge] = await querySeries(server, DB, 'select * from s merge other');
  const stream = await streamQuery(server, DB, 'select value from s order asc', { time_precision: 's' });
  const chunked: number[] = [];
  for await (const object of stream.objects) chunked.push(...(column(object, 'time') as number[]));
  return {
    raw,
    count: (aggregate?.points[0]?.[1] as number | undefined) ?? 0,
    sum: (aggregate?.points[0]?.[2] as number | undefined) ?? 0,
    merged: merge === undefined ? 0 : merge.points.filter((p) => p[merge.columns.indexOf('_orig_series')] === 's').length,
    chunked,
  };
}

function expected(timesLeft: number[]): { raw: number[]; count: number; sum: number; merged: number; chunked: number[] } {
  // value = time, except the point rewritten after the delete.
  const sum = timesLeft.reduce((total, time) => total + (time === REWRITTEN ? -1 : time), 0);
  return { raw: timesLeft, count: timesLeft.length, sum, merged: timesLeft.length, chunked: timesLeft };
}

const REWRITTEN = 2500;

singleNodeTest('deleted points never come back: segments flushed before, WAL replay, restarts, compaction', async (t) => {
  const server = await startServer({ args: ['--shards', '1', '--flush-idle-ms', '100'] });
  await createDb(server, DB);
  // 1..3000 goes to a segment (three blocks with header stats); 3001..4000 stays in the memtable.
  await writeOk(server, DB, [seriesOf('s', 1, 3000), { name: 'other', columns: ['time', 'value'], points: [[1, 0]] }], { precision: 's' });
  await waitForManifests(server.dataDir, (m) => segmentRows(m, 's') === 3000, 'the flush');
  await writeOk(server, DB, [seriesOf('s', 3001, 4000)], { precision: 's' });
  // Part of the first block, the whole second, part of the third, part of the memtable.
  const deleted = await deleteRange(server, { name: 's', start: '500', end: '3500' });
  t.is(deleted.status, 204);
  // A point written after the delete, inside its range, stays.
  await writeOk(server, DB, [{ name: 's', columns: ['time', 'sequence_number', 'value'], points: [[REWRITTEN, 1, -1]] }], { precision: 's' });
  const left = [...range(1, 499), REWRITTEN, ...range(3500, 4000)];
  t.deepEqual(await readEverything(server), expected(left), 'at once');

  await server.kill9();
  const replayed = await startServer({ dataDir: server.dataDir, args: ['--shards', '1', '--flush-idle-ms', '100'] });
  t.deepEqual(await readEverything(replayed), expected(left), 'after kill -9 (WAL replay)');

  // The idle flush writes the memtable out; compaction then merges the segments without the
  // deleted rows and drops the tombstone.
  await waitForManifests(
    replayed.dataDir,
    (m) => segmentRows(m, 's') === left.length && m.every((manifest) => (manifest.tombstones ?? []).length === 0),
    'compaction to remove the deleted rows',
  );
  t.deepEqual(await readEverything(replayed), expected(left), 'after compaction');
  await replayed.stop();
  const restarted = await startServer({ dataDir: server.dataDir, args: ['--shards', '1'] });
  t.deepEqual(await readEverything(restarted), expected(left), 'after a clean restart');
  t.is(segmentRows(await readManifests(restarted.dataDir), 's'), left.length);
});

singleNodeTest('an aggregate does not answer from the header stats of a block a delete reaches into', async (t) => {
  // Compaction removes deleted rows once the shard is idle for flush_idle_ms: the query comes first.
  const server = await startServer({ args: ['--shards', '1', '--flush-idle-ms', '2000'] });
  await createDb(server, DB);
  await writeOk(server, DB, [seriesOf('s', 1, 3000)], { precision: 's' });
  await waitForManifests(server.dataDir, (m) => segmentRows(m, 's') === 3000, 'the flush');
  // Blocks hold 1024 rows: this takes rows out of the first two blocks and leaves the third whole.
  t.is((await deleteRange(server, { name: 's', start: '1000', end: '1100' })).status, 204);
  const left = [...range(1, 999), ...range(1100, 3000)];
  const [aggregate] = await querySeries(server, DB, 'select count(value), sum(value), max(value) from s where time < 2049s');
  const below = left.filter((time) => time < 2049);
  t.deepEqual(aggregate!.points[0]!.slice(1), [below.length, below.reduce((a, b) => a + b, 0), 2048]);
  const [all] = await querySeries(server, DB, 'select count(value) from s');
  t.is(all!.points[0]![1], left.length);
});

singleNodeTest('a drop during a flush and a restart leave nothing of the series behind', async (t) => {
  const server = await startServer({ args: ['--shards', '1', '--flush-idle-ms', '100'] });
  await createDb(server, DB);
  await writeOk(server, DB, [seriesOf('gone', 1, 2000), seriesOf('kept', 1, 10)], { precision: 's' });
  await waitForManifests(server.dataDir, (m) => segmentRows(m, 'gone') === 2000, 'the flush');
  await writeOk(server, DB, [seriesOf('gone', 2001, 2100)], { precision: 's' });
  t.is((await request(server, 'DELETE', `/db/${DB}/series/gone`)).status, 204);
  t.deepEqual(await listSeries(server, DB), ['kept']);
  await server.kill9();
  const replayed = await startServer({ dataDir: server.dataDir, args: ['--shards', '1', '--flush-idle-ms', '100'] });
  t.deepEqual(await listSeries(replayed, DB), ['kept']);
  t.is((await query(replayed, DB, 'select * from gone')).status, 400);
  t.deepEqual((await querySeries(replayed, DB, 'select count(value) from /.*/')).map((s: SeriesResult) => s.name), ['kept']);
  await waitForManifests(replayed.dataDir, (m) => segmentRows(m, 'gone') === 0 && m.every((x) => (x.tombstones ?? []).length === 0), 'compaction');
  await replayed.stop();
  const restarted = await startServer({ dataDir: server.dataDir });
  t.deepEqual(await listSeries(restarted, DB), ['kept']);
});
