/**
 * Aggregates over `a [as x] inner join b [as y]` over HTTP (query-language.md §10.2,
 * functions.md): rows are paired first exactly as a raw join pairs them (at the right
 * side's time), then aggregated as one series `x_join_y` with prefixed column names; where
 * on the joined row, group by time, functions that depend on scan order in both directions,
 * arithmetic, self-joins, long series on two shards, chunked output and the errors. The raw
 * joins these are computed from are in join.test.ts; values worked out by hand below.
 */
import test from 'ava';
import { query, querySeries, streamQuery, writeOk, type SeriesResult } from '../helpers/client.js';
import { JOIN_SHARDS, joinServer, LONG, LONG_A, LONG_B } from '../helpers/join-fixtures.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';
import { shardOf } from '../../src/storage/router.js';

const DB = 'joinagg';
let server: TestServer;

/** 3000 pairs with a string side: more than one block of joined rows, strings in every one. */
const STRINGS = 3000;

test.before(async () => {
  server = await joinServer(DB);
  await writeOk(
    server,
    DB,
    [
      { name: 'sa', columns: ['time', 's'], points: Array.from({ length: STRINGS }, (_, i) => [2 * i, `s${i % 7}`]) },
      { name: 'sb', columns: ['time', 'n'], points: Array.from({ length: STRINGS }, (_, i) => [2 * i + 1, i]) },
    ],
    { precision: 's' },
  );
});

test.after.always(cleanupServers);

async function answer(q: string): Promise<SeriesResult[]> {
  return querySeries(server, DB, q, { time_precision: 's' });
}

/*
 * foo ⋈ bar: (foo.v 3, bar.v 4) at 7 s and (1, 2) at 5 s, in both directions.
 * t ⋈ u reading t.s and u.w: t's point at 2 s has no s, so it does not exist for the join
 * (§9.3, as in a raw join); ascending: ('x', 200) @2, ('z', 300) @3; descending:
 * ('z', 300) @3, ('x', 200) @2. A join where one side has no referenced column answers
 * nothing (§10.2), so every query names a column of each side.
 */
const CASES: [string, string, string[], unknown[][]][] = [
  ['select count(foo.v), sum(bar.v) from foo inner join bar', 'foo_join_bar', ['count', 'sum'], [[0, 2, 6]]],
  ['select mean(foo.v + bar.v) from foo inner join bar', 'foo_join_bar', ['mean'], [[0, 5]]],
  ['select first(foo.v), last(bar.v) from foo inner join bar', 'foo_join_bar', ['first', 'last'], [[0, 3, 2]]],
  ['select first(foo.v), last(bar.v) from foo inner join bar order asc', 'foo_join_bar', ['first', 'last'], [[0, 1, 4]]],
  ['select count(foo.v) from foo inner join bar where bar.v > 2', 'foo_join_bar', ['count'], [[0, 1]]],
  ['select sum(foo.v), count(bar.v) from foo inner join bar group by time(2s)', 'foo_join_bar', ['sum', 'count'], [[6, 3, 1], [4, 1, 1]]],
  ['select sum(foo.v) / count(bar.v) from foo inner join bar', 'foo_join_bar', ['expr0'], [[0, 2]]],
  ['select count(a.v), sum(b.v) from foo as a inner join foo as b', 'a_join_b', ['count', 'sum'], [[0, 2, 4]]],
  ['select count(u.w), first(t.s) from t inner join u order asc', 't_join_u', ['count', 'first'], [[0, 2, 'x']]],
  ['select count(u.w), first(t.s) from t inner join u', 't_join_u', ['count', 'first'], [[0, 2, 'z']]],
  ['select max(u.w) from t inner join u group by t.s', 't_join_u', ['max', 't.s'], [[0, 200, 'x'], [0, 300, 'z']]],
  // Reading t.v instead: t's point at 3 s drops out; pairs (10, 200) @2, (20, 300) @3.
  ['select count(t.v), max(u.w) from t inner join u order asc', 't_join_u', ['count', 'max'], [[0, 2, 300]]],
];

for (const [q, name, columns, points] of CASES) {
  test(q, async (t) => {
    t.deepEqual(await answer(q), [{ name, columns: ['time', ...columns], points }]);
  });
}

test('long series on two shards: pairs folded a block at a time, in both directions', async (t) => {
  t.not(shardOf(DB, LONG_A, JOIN_SHARDS), shardOf(DB, LONG_B, JOIN_SHARDS), 'the series live on different shards');
  // Pairs (long.a i, long.b 100000 + i) at 2i + 1 s, for i < 2600.
  const totals = await answer(`select count(${LONG_A}.n), sum(${LONG_B}.n) from ${LONG_A} inner join ${LONG_B}`);
  t.deepEqual(totals[0]!.points, [[0, LONG, 100_000 * LONG + (LONG * (LONG - 1)) / 2]]);
  // Bucket k of 1000 s holds i in [500k, 500k + 499]: [time, newest, oldest, count].
  const edges = [[5000, 2599, 2500, 100], [4000, 2499, 2000, 500], [3000, 1999, 1500, 500], [2000, 1499, 1000, 500], [1000, 999, 500, 500], [0, 499, 0, 500]];
  const q = `select first(${LONG_A}.n), last(${LONG_A}.n), count(${LONG_B}.n) from ${LONG_A} inner join ${LONG_B} group by time(1000s)`;
  t.deepEqual((await answer(q))[0]!.points, edges);
  const ascending = (await answer(`${q} order asc`))[0]!.points;
  t.deepEqual(ascending, edges.reverse().map(([time, newest, oldest, count]) => [time, oldest, newest, count]));
});

test('string columns survive the blocks of joined rows, in both directions', async (t) => {
  // Pair i (sa s<i % 7>, sb i) at 2i + 1 s; bucket k of 1000 s holds i in [500k, 500k + 499].
  const label = (i: number): string => `s${i % 7}`;
  const buckets = [5, 4, 3, 2, 1, 0].map((k) => [1000 * k, label(500 * k + 499), label(500 * k), 500]);
  const q = 'select first(sa.s), last(sa.s), count(sb.n) from sa inner join sb group by time(1000s)';
  t.deepEqual((await answer(q))[0]!.points, buckets);
  const grouped = (await answer('select count(sa.s), max(sb.n) from sa inner join sb group by sa.s'))[0]!.points;
  t.deepEqual(grouped, [0, 1, 2, 3, 4, 5, 6].map((r) => [0, r < 4 ? 429 : 428, 2996 + (r < 4 ? r : r - 7), `s${r}`]));
});

test('chunked: the joined series is one object', async (t) => {
  const streamed = await streamQuery(server, DB, 'select count(foo.v), max(bar.v) from foo inner join bar group by time(2s)', { time_precision: 's' });
  t.is(streamed.status, 200);
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.deepEqual(objects, [{ name: 'foo_join_bar', columns: ['time', 'count', 'max'], points: [[6, 1, 4], [4, 1, 2]] }]);
});

test('a side without a referenced column answers nothing; no joined row in range neither', async (t) => {
  t.deepEqual(await answer('select count(foo.v) from foo inner join bar'), []);
  t.deepEqual(await answer('select count(foo.v), count(bar.v) from foo inner join bar where time > 100s'), []);
});

test('errors: unprefixed names, a column a side lacks, an unknown series', async (t) => {
  const cases: [string, string][] = [
    ['select count(v) from foo inner join bar', 'Cannot find column v'],
    ['select count(foo.v) from foo inner join bar where v > 1', 'Cannot find column v'],
    ['select count(foo.nope), count(bar.v) from foo inner join bar', "Field nope doesn't exist in series foo"],
    ['select count(foo.v), count(nosuch.v) from foo inner join nosuch', "Couldn't look up columns for series: nosuch"],
  ];
  for (const [q, message] of cases) {
    const response = await query(server, DB, q);
    t.deepEqual([q, response.status, response.text], [q, 400, message]);
  }
});
