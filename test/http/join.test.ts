/**
 * `select … from a [as x] inner join b [as y]` over HTTP (query-language.md §10.2, §9.2): 0.8's
 * best-effort pairing over the merged stream (latest unpaired point per side, a row at the
 * right side's time once both have one), `x_join_y` with prefixed columns and no
 * sequence_number, self-joins with aliases, where and arithmetic across the sides, limit,
 * chunked output over long series on different shards, and the errors.
 */
import test from 'ava';
import { query, querySeries, streamQuery, type SeriesResult } from '../helpers/client.js';
import { JOIN_SHARDS, joinServer, LONG, LONG_A, LONG_B } from '../helpers/join-fixtures.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';
import { shardOf } from '../../src/storage/router.js';

const DB = 'joining';
let server: TestServer;

test.before(async () => {
  server = await joinServer(DB);
});

test.after.always(cleanupServers);

async function select(q: string): Promise<SeriesResult[]> {
  return querySeries(server, DB, q, { time_precision: 's' });
}

test.serial('the §10.2 example: rows at the right side’s time, columns prefixed, no sequence_number', async (t) => {
  // Stream (desc): bar7, foo6, bar5, foo1 → (3,4)@7, (1,2)@5.
  t.deepEqual(await select('select * from foo inner join bar'), [
    { name: 'foo_join_bar', columns: ['time', 'foo.v', 'bar.v'], points: [[7, 3, 4], [5, 1, 2]] },
  ]);
  // Ascending: foo1, bar5 → (1,2)@5; foo6, bar7 → (3,4)@7.
  const [ascending] = await select('select * from foo inner join bar order asc');
  t.deepEqual(ascending!.points, [[5, 1, 2], [7, 3, 4]]);
});

test.serial('a newer point from the same side replaces the unpaired one', async (t) => {
  // Stream (asc), u first on equal times: t1, u2, t2, u3, t3, u4.
  const [result] = await select('select * from t inner join u order asc');
  t.deepEqual(result, {
    name: 't_join_u',
    columns: ['time', 't.v', 't.s', 'u.w'],
    // t1 + u2 → row at 2; then t2 pending, u3 → row at 3; then t3 pending, u4 → row at 4.
    points: [[2, 10, 'x', 200], [3, 20, null, 300], [4, null, 'z', 400]],
  });
  const [other] = await select('select * from u inner join t order asc');
  // Now t is the right side: t1, t2, u2, t3, u3, u4 — t2 replaces t1, then (u2,t2)@2, (u3,t3)@3; u4 stays unpaired.
  t.deepEqual(other!.points, [[2, 200, 20, null], [3, 300, null, 'z']]);
});

test.serial('a self-join with aliases pairs every point with itself', async (t) => {
  const [result] = await select('select * from t as a inner join t as b');
  t.deepEqual(result, {
    name: 'a_join_b',
    columns: ['time', 'a.v', 'a.s', 'b.v', 'b.s'],
    points: [[3, null, 'z', null, 'z'], [2, 20, null, 20, null], [1, 10, 'x', 10, 'x']],
  });
});

test.serial('where and arithmetic across the joined columns use prefixed names', async (t) => {
  const [filtered] = await select('select * from foo inner join bar where foo.v = 3');
  t.deepEqual(filtered!.points, [[7, 3, 4]]);
  const [computed] = await select('select foo.v + bar.v, (bar.v * 10) as tens from foo inner join bar where bar.v < 4');
  t.deepEqual(computed, { name: 'foo_join_bar', columns: ['time', 'expr0', 'tens'], points: [[5, 3, 20]] });
  const [self] = await select('select a.v * b.v from t as a inner join t as b where a.v > 10');
  t.deepEqual(self!.points, [[2, 400]]);
});

test.serial('an explicit column list is byte-sorted; a side with no referenced column gives nothing', async (t) => {
  const [listed] = await select('select foo.v, bar.v from foo inner join bar order asc');
  t.deepEqual(listed, { name: 'foo_join_bar', columns: ['time', 'bar.v', 'foo.v'], points: [[5, 2, 1], [7, 4, 3]] });
  const oneSided = await query(server, DB, 'select foo.v from foo inner join bar');
  t.is(oneSided.status, 200);
  t.is(oneSided.text, '[]');
});

test.serial('pretty=true joined rows are indented like JSON.stringify(…, null, 4)', async (t) => {
  const response = await query(server, DB, 'select * from t as a inner join t as b', { pretty: 'true', time_precision: 's' });
  t.is(response.status, 200);
  t.is(response.text.trimEnd(), JSON.stringify(JSON.parse(response.text), null, 4));
  t.deepEqual(JSON.parse(response.text), await select('select * from t as a inner join t as b'));
});

test.serial('limit caps the joined rows', async (t) => {
  const [result] = await select('select * from foo inner join bar limit 1');
  t.deepEqual(result!.points, [[7, 3, 4]]);
});

test.serial('long series on different shards join pair by pair, chunked and not', async (t) => {
  t.not(shardOf(DB, LONG_A, JOIN_SHARDS), shardOf(DB, LONG_B, JOIN_SHARDS), 'the two series must live on different shards');
  const q = `select * from "${LONG_A}" as a inner join "${LONG_B}" as b order asc`;
  const [whole] = await select(q);
  // Ascending: a(2i), b(2i+1) → one row per i at b's time.
  t.deepEqual(
    whole!.points,
    Array.from({ length: LONG }, (_, i) => [2 * i + 1, i, 100_000 + i]),
  );
  const streamed = await streamQuery(server, DB, q, { time_precision: 's' });
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.true(objects.length > 1);
  t.true(objects.every((o) => o.name === 'a_join_b' && o.points.length <= 1000));
  t.deepEqual(
    objects.flatMap((o) => o.points),
    whole!.points,
  );
});

test.serial('errors: unprefixed names, unknown columns and series', async (t) => {
  const cases: [string, string][] = [
    ['select * from foo inner join bar where v = 3', 'Cannot find column v'],
    ['select v from foo inner join bar', 'Cannot find column v'],
    ['select foo.nosuch, bar.v from foo inner join bar', "Field nosuch doesn't exist in series foo"],
    ['select * from foo inner join nosuch', "Couldn't look up columns for series: nosuch"],
  ];
  for (const [q, message] of cases) {
    const response = await query(server, DB, q);
    t.is(response.status, 400, q);
    t.is(response.text, message, q);
  }
});
