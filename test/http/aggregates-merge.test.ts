/**
 * Aggregates over `a merge b` over HTTP (query-language.md §10.1, functions.md): one output
 * series `a_merge_b` aggregating the rows of both series, with the merge's tie rule (the
 * right series' row first on equal times, in both directions) seen by the functions that
 * depend on scan order; group by time and columns, fill, where, limit, chunked output; the
 * series on one shard and on two; and the errors. Values are worked out by hand below.
 */
import test from 'ava';
import { query, querySeries, streamQuery } from '../helpers/client.js';
import { serverWithSeries } from '../helpers/seeded-server.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';
import { shardOf } from '../../src/storage/router.js';

const DB = 'merged';
const SHARDS = 2;
let server: TestServer;

/** Two names of the form `<prefix><n>`: on different shards, or on the same one. */
function namesOn(prefix: string, sameShard: boolean): [string, string] {
  const first = `${prefix}0`;
  for (let n = 1; ; n++) {
    const other = `${prefix}${n}`;
    if ((shardOf(DB, other, SHARDS) === shardOf(DB, first, SHARDS)) === sameShard) return [first, other];
  }
}

const [APART_A, APART_B] = namesOn('apart', false);
const [NEAR_A, NEAR_B] = namesOn('near', true);

/*
 * Left: (10 s, seq 2, v 1), (20, 3, 3), (70, 9, 5); right: (20, 5, 4), (60, 6, 6), (70, 7, 7).
 * The sequence numbers disagree with the merge's tie rule at both ties: at 20 s the left row
 * has the lower one, at 70 s the higher one; so ordering ties by sequence number gets
 * `last` ascending wrong at 20 s and `first` descending wrong at 70 s.
 *   ascending stream:  10:1 20:4(r) 20:3 | 60:6 70:7(r) 70:5
 *   descending stream: 70:7(r) 70:5 60:6 | 20:4(r) 20:3 10:1
 */
const LEFT = { columns: ['time', 'sequence_number', 'v', 'host'], points: [[10, 2, 1, 'a'], [20, 3, 3, 'b'], [70, 9, 5, 'a']] };
const RIGHT = { columns: ['time', 'sequence_number', 'v', 'host'], points: [[20, 5, 4, 'a'], [60, 6, 6, 'b'], [70, 7, 7, 'b']] };

test.before(async () => {
  server = await serverWithSeries(
    DB,
    [
      { name: APART_A, ...LEFT },
      { name: APART_B, ...RIGHT },
      { name: NEAR_A, ...LEFT },
      { name: NEAR_B, ...RIGHT },
      { name: 'other', columns: ['time', 'w'], points: [[5, 1]] },
    ],
    { args: ['--shards', String(SHARDS)] },
  );
});

test.after.always(cleanupServers);

async function answer(q: string): Promise<{ name: string; columns: string[]; points: unknown[][] }[]> {
  return querySeries(server, DB, q, { time_precision: 's' });
}

/** [select list and clauses after `from A merge B`, columns after time, points]. */
const CASES: [string, string, string[], unknown[][]][] = [
  ['count(v)', 'group by time(1m)', ['count'], [[60, 3], [0, 3]]],
  ['count(v), sum(v), mean(v)', 'group by time(1m) order asc', ['count', 'sum', 'mean'], [[0, 3, 8, 8 / 3], [60, 3, 18, 6]]],
  ['min(v), max(v)', 'group by time(1m)', ['min', 'max'], [[60, 5, 7], [0, 1, 4]]],
  ['first(v), last(v)', 'group by time(1m)', ['first', 'last'], [[60, 7, 6], [0, 4, 1]]],
  ['first(v), last(v)', 'group by time(1m) order asc', ['first', 'last'], [[0, 1, 3], [60, 6, 5]]],
  ['difference(v), derivative(v)', 'group by time(1m)', ['difference', 'derivative'], [[60, -1, 0.1], [0, -3, 0.3]]],
  ['difference(v), derivative(v)', 'group by time(1m) order asc', ['difference', 'derivative'], [[0, 2, 0.2], [60, -1, -0.1]]],
  ['distinct(v)', 'group by time(1m)', ['distinct'], [[60, 7], [60, 5], [60, 6], [0, 4], [0, 3], [0, 1]]],
  ['median(v), percentile(v, 90)', 'group by time(1m)', ['median', 'percentile'], [[60, 6, 7], [0, 3, 4]]],
  ['top(v, 2), bottom(v, 1)', '', ['top', 'bottom'], [[0, 7, 1], [0, 6, 1]]],
  ['count(v), first(v), last(v)', '', ['count', 'first', 'last'], [[0, 6, 7, 1]]],
  ['count(v)', 'group by host', ['count', 'host'], [[0, 3, 'a'], [0, 3, 'b']]],
  ['count(v)', 'group by time(1m), host order asc', ['count', 'host'], [[0, 2, 'a'], [0, 1, 'b'], [60, 1, 'a'], [60, 2, 'b']]],
  ['count(v)', 'group by time(1m) fill(0) where time > 0s and time < 180s', ['count'], [[120, 0], [60, 3], [0, 3]]],
  ['count(v), sum(v)', 'where v > 3 group by time(1m)', ['count', 'sum'], [[60, 3, 18], [0, 1, 4]]],
  ['count(v)', 'group by time(1m) limit 1', ['count'], [[60, 3]]],
];

for (const [placement, a, b] of [
  ['two shards', APART_A, APART_B],
  ['one shard', NEAR_A, NEAR_B],
] as const) {
  for (const [select, clauses, columns, points] of CASES) {
    test(`${placement}: select ${select} from a merge b ${clauses}`, async (t) => {
      t.deepEqual(await answer(`select ${select} from ${a} merge ${b} ${clauses}`), [{ name: `${a}_merge_${b}`, columns: ['time', ...columns], points }]);
    });
  }
}

test('a series merged with itself counts every row twice', async (t) => {
  t.deepEqual(await answer(`select count(v), sum(v) from ${APART_A} merge ${APART_A}`), [
    { name: `${APART_A}_merge_${APART_A}`, columns: ['time', 'count', 'sum'], points: [[0, 6, 18]] },
  ]);
});

test('no row in range: no series', async (t) => {
  t.deepEqual(await answer(`select count(v) from ${APART_A} merge ${APART_B} where time > 1000s`), []);
});

test('chunked: the merged series is one object', async (t) => {
  const streamed = await streamQuery(server, DB, `select count(v) from ${APART_A} merge ${APART_B} group by time(1m)`, { time_precision: 's' });
  t.is(streamed.status, 200);
  const objects = [];
  for await (const object of streamed.objects) objects.push(object);
  t.deepEqual(objects, [{ name: `${APART_A}_merge_${APART_B}`, columns: ['time', 'count'], points: [[60, 3], [0, 3]] }]);
});

test('errors: a column one series lacks, an unknown series', async (t) => {
  const missing = await query(server, DB, `select count(v) from ${APART_A} merge other`);
  t.is(missing.status, 400);
  t.is(missing.text, 'Field v doesn\'t exist in series other');
  const unknown = await query(server, DB, `select count(v) from ${APART_A} merge nosuch`);
  t.is(unknown.status, 400);
  t.is(unknown.text, "Couldn't look up columns for series: nosuch");
});
