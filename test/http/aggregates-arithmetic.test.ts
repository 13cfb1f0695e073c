/**
 * Arithmetic between aggregates and constants in the select list over HTTP
 * (`select mean(v) / count(v)`, `(sum(v) * 2) as x`): computed per output row from the
 * finished aggregates with §8's type rules (count is an int, so `count(v) / 2` truncates;
 * a division by int zero is null; a float one too), `expr<i>` names, aliases on
 * parenthesised items, group-by columns, fill, multi-row aggregates, merge, chunked output,
 * and the errors. Series `cpu` and `req` of functions.md §5; values worked out by hand.
 */
import test from 'ava';
import { EXAMPLE_CPU, EXAMPLE_REQ, serverWith } from '../helpers/aggregate-fixtures.js';
import { query, querySeries, streamQuery, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';

const DB = 'arith';
let server: TestServer;

test.before(async () => {
  server = await serverWith(DB, [EXAMPLE_CPU, EXAMPLE_REQ]);
});

test.after.always(cleanupServers);

async function answer(q: string): Promise<{ columns: string[]; points: unknown[][] }[]> {
  const series = await querySeries(server, DB, q, { time_precision: 's' });
  return series.map(({ columns, points }) => ({ columns, points }));
}

/*
 * cpu: 1, 3, 2 at 0–20 s and 8, 4 at 65–70 s; per minute: count 3 | 2, sum 6 | 12, mean 2 | 6,
 * min 1 | 4, max 3 | 8. req: host a 10, 30; host b 20, 40.
 */
const CASES: [string, string[], unknown[][]][] = [
  ['select mean(value) / count(value) from cpu group by time(1m)', ['time', 'expr0'], [[60, 3], [0, 2 / 3]]],
  ['select (sum(value) * 2) as x from cpu group by time(1m)', ['time', 'x'], [[60, 24], [0, 12]]],
  ['select count(value), count(value) / 2 from cpu group by time(1m)', ['time', 'count', 'expr1'], [[60, 2, 1], [0, 3, 1]]],
  ['select count(value) * 1.5, (max(value) - min(value)) as spread from cpu', ['time', 'expr0', 'spread'], [[0, 7.5, 7]]],
  ['select 2 + count(value) * 3 - 1 from cpu', ['time', 'expr0'], [[0, 16]]],
  ['select count(value) / 0, mean(value) / 0, sum(value) / count(value) from cpu', ['time', 'expr0', 'expr1', 'expr2'], [[0, null, null, 3.6]]],
  ['select sum(ms) / count(ms) from req group by host', ['time', 'expr0', 'host'], [[0, 20, 'a'], [0, 30, 'b']]],
  ['select count(value) * 10 from cpu group by time(1m) fill(0) where time > 0s and time < 180s', ['time', 'expr0'], [[120, 0], [60, 20], [0, 30]]],
  ['select top(value, 2) * 10 from cpu', ['time', 'expr0'], [[0, 80], [0, 40]]],
  ['select sum(value) / count(value) from cpu merge cpu', ['time', 'expr0'], [[0, 3.6]]],
  ['select host, mean(ms) * 2 from req group by host limit 1', ['time', 'expr1', 'host'], [[0, 40, 'a']]],
];

for (const [q, columns, points] of CASES) {
  test(q, async (t) => {
    t.deepEqual(await answer(q), [{ columns, points }]);
  });
}

test('chunked: the computed columns in each object', async (t) => {
  const streamed = await streamQuery(server, DB, 'select (sum(value) * 2) as x, count(value) from cpu group by time(1m)', { time_precision: 's' });
  t.is(streamed.status, 200);
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.deepEqual(objects, [{ name: 'cpu', columns: ['time', 'x', 'count'], points: [[60, 24, 2], [0, 12, 3]] }]);
});

test('errors: histogram inside arithmetic, a column outside any function, an unknown column', async (t) => {
  const cases: [string, string][] = [
    ['select histogram(value) * 2 from cpu', 'function histogram() cannot be used in arithmetic expressions'],
    ['select mean(value) + value from cpu', 'Column value must be inside an aggregate function in arithmetic with aggregates'],
    ['select mean(nope) / 2 from cpu', "Field nope doesn't exist in series cpu"],
  ];
  for (const [q, message] of cases) {
    const response = await query(server, DB, q);
    t.deepEqual([q, response.status, response.text], [q, 400, message]);
  }
});
