/**
 * Every aggregate function of functions.md over HTTP: the worked examples of §5 (series `cpu`,
 * written over HTTP, answers compared exactly) and the further examples of that section
 * (group by a column, the null group, rows that exist through another column, mode).
 */
import test from 'ava';
import { EXAMPLE_CPU, EXAMPLE_REQ, serverWith } from '../helpers/aggregate-fixtures.js';
import { query, querySeries } from '../helpers/client.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';

const DB = 'fn';
let server: TestServer;

test.before(async () => {
  server = await serverWith(DB, [
    EXAMPLE_CPU,
    EXAMPLE_REQ,
    { name: 't', columns: ['time', 'column0', 'column1'], points: [[1, 'one', null], [2, 'one', 1], [3, 'one', null]] },
    { name: 's', columns: ['time', 'a', 'b'], points: [[1, 1, null], [2, null, 5]] },
    { name: 'modes', columns: ['time', 'v'], points: [[1, 1], [2, 1], [3, 2], [4, 2], [5, 3]] },
  ]);
});

test.after.always(cleanupServers);

async function answer(q: string): Promise<{ columns: string[]; points: unknown[][] }[]> {
  const series = await querySeries(server, DB, q, { time_precision: 's' });
  return series.map(({ columns, points }) => ({ columns, points }));
}

/** functions.md §5, rows 1–19: [query, columns, points]. */
const WORKED: [string, string[], unknown[][]][] = [
  ['select count(value) from cpu group by time(1m)', ['time', 'count'], [[60, 2], [0, 3]]],
  ['select mean(value), sum(value) from cpu group by time(1m)', ['time', 'mean', 'sum'], [[60, 6, 12], [0, 2, 6]]],
  ['select min(value), max(value) from cpu group by time(1m) order asc', ['time', 'min', 'max'], [[0, 1, 3], [60, 4, 8]]],
  [
    'select median(value), percentile(value, 90) as p90, percentile(value, 10) as p10 from cpu group by time(1m) order asc',
    ['time', 'median', 'p90', 'p10'],
    [[0, 2, 3, 0], [60, 4, 8, 0]],
  ],
  ['select stddev(value) from cpu group by time(1m)', ['time', 'stddev'], [[60, 2], [0, 0.8164965809277263]]],
  ['select derivative(value), difference(value) from cpu group by time(1m)', ['time', 'derivative', 'difference'], [[60, -0.8, 4], [0, 0.05, -1]]],
  ['select derivative(value), difference(value) from cpu group by time(1m) order asc', ['time', 'derivative', 'difference'], [[0, 0.05, 1], [60, -0.8, -4]]],
  ['select first(value), last(value) from cpu', ['time', 'first', 'last'], [[0, 4, 1]]],
  ['select first(value), last(value) from cpu order asc', ['time', 'first', 'last'], [[0, 1, 4]]],
  ['select top(value, 2) from cpu', ['time', 'top'], [[0, 8], [0, 4]]],
  ['select bottom(value, 2) from cpu', ['time', 'bottom'], [[0, 1], [0, 2]]],
  ['select histogram(value, 5) from cpu', ['time', 'bucket_start', 'count'], [[0, 0, 4], [0, 5, 1]]],
  ['select count(distinct(value)) from cpu', ['time', 'count'], [[0, 5]]],
  ['select distinct(value) from cpu', ['time', 'distinct'], [[0, 4], [0, 8], [0, 2], [0, 3], [0, 1]]],
  ['select count(value) from cpu where time > 0s and time < 170s group by time(1m) fill(0)', ['time', 'count'], [[120, 0], [60, 2], [0, 3]]],
  ['select count(value) from cpu where time > 0s and time < 170s group by time(1m) fill(null)', ['time', 'count'], [[120, null], [60, 2], [0, 3]]],
  ['select count(value) from cpu group by time(30s) fill(-1)', ['time', 'count'], [[60, 2], [30, -1], [0, 3]]],
  ['select top(value, 2) as t, bottom(value, 2) as b from cpu', ['time', 't', 'b'], [[0, 8, 1], [0, 4, 1], [0, 8, 2], [0, 4, 2]]],
  ['select count(value), histogram(value, 5) as h from cpu', ['time', 'count', 'h_bucket_start', 'h_count'], [[0, 5, 0, 4], [0, 5, 5, 1]]],
];

WORKED.forEach(([q, columns, points], index) => {
  test(`worked example ${index + 1}: ${q}`, async (t) => {
    t.deepEqual(await answer(q), [{ columns, points }]);
  });
});

test('functions are case-insensitive and keep their canonical output names', async (t) => {
  t.deepEqual(await answer('select COUNT(value), Mean(value) from cpu'), [{ columns: ['time', 'count', 'mean'], points: [[0, 5, 3.6]] }]);
});

test('group by time and a column: buckets descending, groups ascending inside a bucket', async (t) => {
  t.deepEqual(await answer('select mean(ms) from req group by time(1m), host'), [
    { columns: ['time', 'mean', 'host'], points: [[60, 40, 'b'], [0, 20, 'a'], [0, 20, 'b']] },
  ]);
});

test('the null group sorts last', async (t) => {
  t.deepEqual(await answer('select count(column0) from t group by column1'), [{ columns: ['time', 'count', 'column1'], points: [[0, 1, 1], [0, 2, null]] }]);
});

test('a row exists when any referenced column has a value, and reaches mean as a null', async (t) => {
  t.deepEqual(await answer('select mean(a), count(b) from s'), [{ columns: ['time', 'mean', 'count'], points: [[0, 0.5, 2]] }]);
  t.deepEqual(await answer('select count(b) from s'), [{ columns: ['time', 'count'], points: [[0, 1]] }]);
});

test('mode returns every value sharing the highest count, in order of first appearance', async (t) => {
  t.deepEqual(await answer('select mode(v) from modes'), [{ columns: ['time', 'mode'], points: [[0, 2], [0, 1]] }]);
});

test('no rows in range answer no series; a one-point derivative drops its row', async (t) => {
  t.deepEqual(await answer('select count(value) from cpu where time > 1000s and time < 2000s'), []);
  t.deepEqual(await answer('select derivative(value) from cpu where time < 5s'), []);
});

test('aggregate rows have no sequence_number and plain columns beside functions are ignored', async (t) => {
  t.deepEqual(await answer('select value, max(value) from cpu'), [{ columns: ['time', 'max'], points: [[0, 8]] }]);
});

test('an arithmetic argument is evaluated per row', async (t) => {
  t.deepEqual(await answer('select sum(value * 2) from cpu'), [{ columns: ['time', 'sum'], points: [[0, 36]] }]);
  t.deepEqual(await answer('select (max(value)) as m from cpu'), [{ columns: ['time', 'm'], points: [[0, 8]] }]);
});

test('time_precision converts bucket starts', async (t) => {
  const result = await query(server, DB, 'select count(value) from cpu group by time(1m)', { time_precision: 'ms' });
  t.is(result.status, 200);
  t.deepEqual(JSON.parse(result.text), [{ name: 'cpu', columns: ['time', 'count'], points: [[60000, 2], [0, 3]] }]);
});
