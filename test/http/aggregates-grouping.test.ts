/**
 * `group by` and `fill` over HTTP (query-language.md §5.1.4–5.1.5, §9.4; functions.md §2):
 * epoch-aligned buckets of every unit, negative times, group-by columns, fill in both orders
 * and over the where range or the data's, limit on output rows, regex and listed series,
 * where clauses, and the pretty layout of aggregate rows.
 */
import test from 'ava';
import { EXAMPLE_CPU, EXAMPLE_REQ, serverWith } from '../helpers/aggregate-fixtures.js';
import { query, querySeries, writeOk } from '../helpers/client.js';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';

const DB = 'grp';
const DAY = 86_400;
let server: TestServer;

test.before(async () => {
  server = await serverWith(DB, [
    EXAMPLE_CPU,
    EXAMPLE_REQ,
    { name: 'neg', columns: ['time', 'v'], points: [[-90, 1], [-30, 2], [-1, 3], [0, 4], [59, 5]] },
    // 1970-01-01 was a Thursday: week buckets start there.
    { name: 'weeks', columns: ['time', 'v'], points: [[0, 1], [6 * DAY, 1], [7 * DAY, 1], [8 * DAY, 1], [-DAY, 1]] },
    { name: 'typed', columns: ['time', 'k', 'v'], points: [[1, 1, 1], [2, 1.5, 1], [3, 'x', 1], [4, true, 1], [5, false, 1], [6, null, 1], [7, 1, 1]] },
    { name: 'r.a', columns: ['time', 'v'], points: [[1, 1], [2, 2]] },
    { name: 'r.b', columns: ['time', 'v'], points: [[1, 10]] },
    { name: 'r.c', columns: ['time', 'other'], points: [[1, 10]] },
  ]);
  await writeOk(server, DB, [{ name: 'micro', columns: ['time', 'v'], points: [[1, 1], [2, 1], [1001, 1]] }], { precision: 'u' });
});

test.after.always(cleanupServers);

async function points(q: string, precision = 's'): Promise<unknown[][]> {
  const series = await querySeries(server, DB, q, { time_precision: precision });
  if (series.length > 1) throw new Error(`expected one series for ${q}`);
  return series[0]?.points ?? [];
}

async function failure(q: string): Promise<string> {
  const result = await query(server, DB, q);
  if (result.status !== 400) throw new Error(`${q}: expected 400, got ${result.status} ${result.text}`);
  return result.text;
}

test('buckets are floor(t / d) * d, so negative times fall in negative buckets', async (t) => {
  t.deepEqual(await points('select count(v) from neg group by time(1m) order asc'), [[-120, 1], [-60, 2], [0, 2]]);
  t.deepEqual(await points('select count(v) from neg group by time(1m)', 'ms'), [[0, 2], [-60000, 2], [-120000, 1]]);
});

test('every duration unit makes epoch-aligned buckets', async (t) => {
  t.deepEqual(await points('select count(v) from weeks group by time(1w) order asc'), [[-7 * DAY, 1], [0, 2], [7 * DAY, 2]]);
  t.deepEqual(await points('select count(v) from weeks group by time(1d) order asc'), [[-DAY, 1], [0, 1], [6 * DAY, 1], [7 * DAY, 1], [8 * DAY, 1]]);
  t.deepEqual(await points('select count(v) from weeks group by time(1y) order asc'), [[-365 * DAY, 1], [0, 4]]);
  t.deepEqual(await points('select count(v) from neg group by time(1h)'), [[0, 2], [-3600, 3]]);
  t.deepEqual(await points('select count(v) from neg group by time(30s) order asc'), [[-90, 1], [-30, 2], [0, 1], [30, 1]]);
  t.deepEqual(await points('select count(v) from micro group by time(1ms) order asc', 'u'), [[0, 2], [1000, 1]]);
  t.deepEqual(await points('select count(v) from micro group by time(1u) order asc', 'u'), [[1, 1], [2, 1], [1001, 1]]);
  // A bare number is nanoseconds; under 1 µs it acts as 1 µs.
  t.deepEqual(await points('select count(v) from micro group by time(10) order asc', 'u'), [[1, 1], [2, 1], [1001, 1]]);
});

test('group by a column: exact types make groups, ordered false < true < ints < floats < strings < null', async (t) => {
  t.deepEqual(await points('select count(v) from typed group by k'), [[0, 1, false], [0, 1, true], [0, 2, 1], [0, 1, 1.5], [0, 1, 'x'], [0, 1, null]]);
});

test('fill(0) over the where range, in both orders, with every group in every bucket', async (t) => {
  const q = 'select count(ms) from req where time > 0s and time < 90s group by time(30s), host fill(0)';
  const ascending = [[0, 1, 'a'], [0, 1, 'b'], [30, 1, 'a'], [30, 0, 'b'], [60, 0, 'a'], [60, 1, 'b']];
  t.deepEqual(await points(`${q} order asc`), ascending);
  t.deepEqual(await points(q), [[60, 0, 'a'], [60, 1, 'b'], [30, 1, 'a'], [30, 0, 'b'], [0, 1, 'a'], [0, 1, 'b']]);
});

test('fill without a start time covers the buckets between the data, in both orders', async (t) => {
  t.deepEqual(await points('select count(value) from cpu group by time(30s) fill(-1) order asc'), [[0, 3], [30, -1], [60, 2]]);
  t.deepEqual(await points('select mean(value), max(value) from cpu group by time(30s) fill(1.5)'), [[60, 6, 8], [30, 1.5, 1.5], [0, 2, 3]]);
  t.deepEqual(await points('select histogram(value, 5) from cpu group by time(30s) fill(7) order asc'), [
    [0, 0, 3],
    [30, null, 7],
    [60, 0, 1],
    [60, 5, 1],
  ]);
});

test('fill(null) and fill(n) beside an empty series; fill without group by time is ignored', async (t) => {
  t.deepEqual(await points('select count(value) from cpu where time > 100s and time < 200s group by time(1m) fill(0)'), []);
  t.deepEqual(await points('select count(ms) from req group by host fill(0)'), [[0, 2, 'a'], [0, 2, 'b']]);
});

test('fill emitting over a million buckets per series is a 400, unless limit keeps the rows fewer', async (t) => {
  t.is(
    await failure('select count(value) from cpu where time > 0s and time < 170s group by time(1u) fill(0)'),
    'fill would emit 170000000 buckets per series; at most 1000000 are allowed',
  );
  // Without a start time the data's first and last buckets set the range (0 s … 70 s).
  t.is(await failure('select count(value) from cpu group by time(10u) fill(0)'), 'fill would emit 7000001 buckets per series; at most 1000000 are allowed');
  t.deepEqual(await points('select count(value) from cpu group by time(10u) fill(0) limit 2', 'u'), [[70_000_000, 1], [69_999_990, 0]]);
  t.deepEqual((await points('select count(value) from cpu where time > 0s and time < 170s group by time(1ms) fill(0)')).length, 170_000);
});

test('the fill bound counts every group in every bucket', async (t) => {
  // 700,000 one-millisecond buckets pass for one group; with two hosts fill emits 1.4 M rows.
  t.is(
    await failure('select count(ms) from req where time > 0s and time < 700s group by time(1ms), host fill(0)'),
    'fill would emit 1400000 buckets per series; at most 1000000 are allowed',
  );
  t.deepEqual(await points('select count(ms) from req where time > 0s and time < 70s group by time(10s), host fill(0) limit 2'), [
    [60, 0, 'a'],
    [60, 1, 'b'],
  ]);
});

test('limit caps output rows (buckets), after fill, in query order', async (t) => {
  t.deepEqual(await points('select count(value) from cpu group by time(30s) limit 1'), [[60, 2]]);
  t.deepEqual(await points('select count(value) from cpu group by time(30s) order asc limit 2'), [[0, 3], [60, 2]]);
  t.deepEqual(await points('select count(value) from cpu group by time(30s) fill(0) limit 2'), [[60, 2], [30, 0]]);
  t.deepEqual(await points('select count(value) from cpu group by time(30s) limit 0'), [[60, 2], [0, 3]]);
});

test('a regex or a list answers one object per series, sorted by name', async (t) => {
  const regex = await querySeries(server, DB, 'select max(v) from /^r\\.[ab]$/', { time_precision: 's' });
  t.deepEqual(regex, [
    { name: 'r.a', columns: ['time', 'max'], points: [[0, 2]] },
    { name: 'r.b', columns: ['time', 'max'], points: [[0, 10]] },
  ]);
  const list = await querySeries(server, DB, 'select count(v) from r.b, r.a', { time_precision: 's' });
  t.deepEqual(list.map((s) => [s.name, s.points]), [['r.a', [[0, 2]]], ['r.b', [[0, 1]]]]);
});

test('the where clause filters rows; a series without a where column contributes nothing', async (t) => {
  t.deepEqual(await points("select count(ms), mean(ms) from req where host = 'a'"), [[0, 2, 20]]);
  t.deepEqual(await points("select count(ms) from req where host = 'a' or ms > 30"), [[0, 3]]);
  const regex = await querySeries(server, DB, 'select count(v) from /^r\\.[ab]$/ where v > 1', { time_precision: 's' });
  t.deepEqual(regex.map((s) => [s.name, s.points]), [['r.a', [[0, 1]]], ['r.b', [[0, 1]]]]);
  t.deepEqual(await querySeries(server, DB, 'select count(v) from r.a where nope = 1'), []);
});

test('pretty aggregate output, whole or chunked, is laid out as JSON.stringify(value, null, 4)', async (t) => {
  const result = await query(server, DB, 'select mean(ms) from req group by time(1m), host', { time_precision: 's', pretty: 'true' });
  t.is(result.status, 200);
  t.is(result.text, JSON.stringify(JSON.parse(result.text), null, 4));
  t.deepEqual(JSON.parse(result.text)[0].points, [[60, 40, 'b'], [0, 20, 'a'], [0, 20, 'b']]);
  const chunked = await query(server, DB, 'select max(v) from /^r\\.[ab]$/', { time_precision: 's', pretty: 'true', chunked: 'true' });
  const objects = parseJsonConcatenation(chunked.text) as { name: string }[];
  t.is(chunked.text, objects.map((object) => JSON.stringify(object, null, 4)).join(''));
  // Chunked objects of different series may come in any order (http-api.md §5.3).
  t.deepEqual(objects.sort((a, b) => (a.name < b.name ? -1 : 1)), [
    { name: 'r.a', columns: ['time', 'max'], points: [[0, 2]] },
    { name: 'r.b', columns: ['time', 'max'], points: [[0, 10]] },
  ]);
});

test('errors of group by, fill and time(): 400 with 0.8 texts', async (t) => {
  t.is(await failure('select count(value) from cpu group by time(1m) fill(none)'), 'Unsupported fill value none');
  t.is(await failure("select count(value) from cpu group by time(1m) fill('x')"), 'Unsupported fill value x');
  t.is(await failure('select count(value) from cpu group by time(1m) fill(1, 2)'), '`fill` accepts one argument only');
  t.is(await failure('select count(value) from cpu group by time(1m) foo(1)'), "You can't use foo with group by");
  t.is(await failure('select count(value) from cpu group by time(5m, 1m)'), 'time function only accepts one argument');
  t.is(await failure('select count(value) from cpu group by time(foo)'), 'invalid argument foo to the time function');
  // Past int64 nanoseconds a point before 1970 fell in a bucket no time could name (-6.05e+22 ms).
  t.is(await failure('select count(value) from cpu group by time(99999999999999w)'), 'invalid argument 99999999999999w to the time function: longer than 2^63 - 1 ns (about 292 years)');
});
