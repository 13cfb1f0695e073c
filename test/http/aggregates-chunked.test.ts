/**
 * Chunked aggregate answers (http-api.md §5.3): bare objects of at most 1000 points, a
 * series' objects in query order, every series of a regex as objects of its own; the same
 * query unchunked joins each series into one object.
 */
import test from 'ava';
import { serverWith } from '../helpers/aggregate-fixtures.js';
import { shardOf } from '../../src/storage/router.js';
import { createDb, query, querySeries, streamQuery, writeOk, type SeriesResult } from '../helpers/client.js';
import { deepEqualLarge } from '../helpers/large-equal.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'chunks';
const DENSE_POINTS = 2500;
const SERIES = 250;
/** Series whose answers are large: a shard's replies then shrink to about 1 MiB each, however many series that is. */
const WIDE_SERIES = 48;
const WIDE_POINTS = 3000;
let server: TestServer;

test.before(async () => {
  const many = Array.from({ length: SERIES }, (_, s) => ({ name: `many.${String(s).padStart(3, '0')}`, columns: ['time', 'v'], points: [[1, s], [2, s]] }));
  // Sorts after every many.NNN series, so it is in the last batch its shard is asked for.
  const lacking = { name: 'many.zzz', columns: ['time', 'other'], points: [[1, 1]] };
  const wide = Array.from({ length: WIDE_SERIES }, (_, s) => ({ name: `wide.${s}`, columns: ['time', 'v'], points: Array.from({ length: WIDE_POINTS }, (_, i) => [i, s + i]) }));
  server = await serverWith(DB, [{ name: 'dense', columns: ['time', 'v'], points: Array.from({ length: DENSE_POINTS }, (_, i) => [i, i]) }, ...many, lacking, ...wide]);
});

test.after.always(cleanupServers);

async function chunked(q: string): Promise<SeriesResult[]> {
  const response = await streamQuery(server, DB, q, { time_precision: 's' });
  if (response.status !== 200) throw new Error(`${q}: HTTP ${response.status}`);
  const objects: SeriesResult[] = [];
  for await (const object of response.objects) objects.push(object);
  return objects;
}

const denseRows = (order: 'asc' | 'desc'): number[][] => {
  const rows = Array.from({ length: DENSE_POINTS }, (_, i) => [i, i]);
  return order === 'asc' ? rows : rows.reverse();
};

test('a series of 2500 buckets streams as objects of 1000, 1000 and 500 points in query order', async (t) => {
  const objects = await chunked('select sum(v) from dense group by time(1s)');
  t.deepEqual(objects.map((o) => [o.name, o.columns, o.points.length]), [
    ['dense', ['time', 'sum'], 1000],
    ['dense', ['time', 'sum'], 1000],
    ['dense', ['time', 'sum'], 500],
  ]);
  deepEqualLarge(t, objects.flatMap((o) => o.points), denseRows('desc'));
});

test('unchunked, the same series comes back as one object', async (t) => {
  const whole = await querySeries(server, DB, 'select sum(v) from dense group by time(1s) order asc', { time_precision: 's' });
  deepEqualLarge(t, whole, [{ name: 'dense', columns: ['time', 'sum'], points: denseRows('asc') }]);
});

test('a regex over many series streams one object per series', async (t) => {
  const objects = await chunked('select mean(v) from /^many\\.\\d/');
  t.is(objects.length, SERIES);
  const byName = new Map(objects.map((o) => [o.name, o.points]));
  for (let s = 0; s < SERIES; s++) t.deepEqual(byName.get(`many.${String(s).padStart(3, '0')}`), [[0, s]]);
  const whole = await querySeries(server, DB, 'select mean(v) from /^many\\.\\d/', { time_precision: 's' });
  t.deepEqual(whole.map((o) => o.name), [...byName.keys()].sort());
});

test('series of thousands of buckets each, asked for in replies sized by their bytes, all stream whole and once', async (t) => {
  const objects = await chunked('select max(v) from /^wide\\./ group by time(1s)');
  const rows = new Map<string, unknown[][]>();
  for (const object of objects) rows.set(object.name, [...(rows.get(object.name) ?? []), ...object.points]);
  t.is(rows.size, WIDE_SERIES);
  for (let s = 0; s < WIDE_SERIES; s++) {
    deepEqualLarge(t, rows.get(`wide.${s}`), Array.from({ length: WIDE_POINTS }, (_, k) => [WIDE_POINTS - 1 - k, s + WIDE_POINTS - 1 - k]), `wide.${s}`);
  }
  const whole = await querySeries(server, DB, 'select max(v) from /^wide\\./ group by time(1s)', { time_precision: 's' });
  deepEqualLarge(t, 
    whole.map((o) => [o.name, o.points]),
    [...rows].sort(([a], [b]) => (a < b ? -1 : 1)),
  );
});

test('a series of the regex lacking the column fails the query with a 400 before anything streams', async (t) => {
  const response = await streamQuery(server, DB, 'select mean(v) from /^many\\./', { time_precision: 's' });
  t.deepEqual([response.status, await response.text()], [400, "Field v doesn't exist in series many.zzz"]);
});

test('whichever shard finds the missing column, nothing has streamed before its 400', async (t) => {
  // The series lacking the column sits on a shard kept busy; the other shard answers at
  // once, and must not get its rows out first.
  const db = 'race';
  const slow = shardOf(db, 'late.zzz', 2);
  const names = Array.from({ length: 40 }, (_, i) => `late.${i}`);
  const big = names.find((name) => shardOf(db, name, 2) === slow)!;
  const quick = names.find((name) => shardOf(db, name, 2) !== slow)!;
  const raced = await startServer({ args: ['--shards', '2'] });
  await createDb(raced, db);
  await writeOk(
    raced,
    db,
    [
      { name: big, columns: ['time', 'v'], points: Array.from({ length: 300_000 }, (_, i) => [i, i % 977]) },
      { name: quick, columns: ['time', 'v'], points: [[1, 1]] },
      { name: 'late.zzz', columns: ['time', 'other'], points: [[1, 1]] },
    ],
    { precision: 's' },
  );
  // Keep the slow shard's mailbox busy, so the other shard answers the regex query first.
  const busy = query(raced, db, `select median(v), distinct(v), mode(v) from "${big}"`);
  const response = await streamQuery(raced, db, 'select median(v) from /^late\\./');
  t.deepEqual([response.status, await response.text()], [400, "Field v doesn't exist in series late.zzz"]);
  t.is((await busy).status, 200);
});

test('an aggregate with no rows streams an empty body', async (t) => {
  t.deepEqual(await chunked('select count(v) from dense where time > 100000s'), []);
});
