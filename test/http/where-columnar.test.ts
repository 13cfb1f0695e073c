/**
 * The where clause evaluated over whole blocks (query-language.md §7), over HTTP: the cases
 * the typed loops of operators/where-filter.ts treat apart — ints beyond 2^53 against int
 * constants (exactly), either operand order, every cell type of a mixed column against
 * every literal type (§7.2's table), strings and regexes decided per distinct string, bools
 * by = and <> only, two columns compared, `in` across types, constant conditions, the
 * sequence_number pseudo-column — in a raw select, an aggregate, a merge and a join. And a
 * duration is an int number of microseconds in a where clause as in the select list.
 */
import test from 'ava';
import { createDb, query, querySeries, write } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'wherecol';
let server: TestServer;

/*
 * Series `w` (times in s):
 *   1: a 1        s 'x'   b true   big 2^53 + 1
 *   2: a 2.5      s 'y'   b false  big 2^53
 *   3: a 'x'      s 'x'   b null   big -(2^53 + 1)
 *   4: a true     s null  b true   big 5
 *   5: a 1500000  s 'xy'  b false  big 0
 * Series `v`: one point at 3 s with a 3.
 */
test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  const body =
    '[{"name":"w","columns":["time","a","s","b","big"],"points":[' +
    '[1,1,"x",true,9007199254740993],[2,2.5,"y",false,9007199254740992],[3,"x","x",null,-9007199254740993],' +
    '[4,true,null,true,5],[5,1500000,"xy",false,0]]},' +
    '{"name":"v","columns":["time","a"],"points":[[3,3]]}]';
  const written = await write(server, DB, body, { precision: 's' });
  if (written.status !== 200) throw new Error(`write failed: ${written.status} ${written.text}`);
});

test.after.always(cleanupServers);

async function times(q: string): Promise<number[]> {
  const [series] = await querySeries(server, DB, q, { time_precision: 's' });
  return (series?.points ?? []).map((p) => p[0] as number);
}

const CASES: [string, number[]][] = [
  ['big = 9007199254740993', [1]],
  ['big > 9007199254740992', [1]],
  ['9007199254740992 < big', [1]],
  ['big < 0', [3]],
  ['big >= 5.5', [1, 2]],
  ['a = 1', [1]],
  ['a > 2', [2, 5]],
  ['a <> 1', [2, 5]],
  ["a = 'x'", [3]],
  ["a <> 'zz'", [3]],
  ["s = 'x'", [1, 3]],
  ["s < 'y'", [1, 3, 5]],
  ["'y' <= s", [2]],
  ['s =~ /^x/', [1, 3, 5]],
  ['s !~ /^x/', [2]],
  ['s =~ /Y/i', [2, 5]],
  ['a =~ /x/', [3]],
  ['b = true', [1, 4]],
  ['b <> true', [2, 5]],
  ['b > false', []],
  ["a in (1, 'x')", [1, 3]],
  ["s in ('y', 'xy') or b = true", [1, 2, 4, 5]],
  ["(s = 'x' or b = false) and a <> 'zz'", [3]],
  ['big > a', [1, 2]],
  ['a - a <> 1 and not_a_column = 1', []],
  ['a + 1 > 2', [2, 5]],
  ['1 = 1', [1, 2, 3, 4, 5]],
  ['1 = 2', []],
  ["sequence_number > 0 and s = 'y'", [2]],
  ['time > 2s and a > 0', [2, 5]],
  // int / int truncates: 1500000 µs / 1 s = 1 (as `select a / 1s` computes it), 1 / 1 s = 0.
  ['a / 1s = 1', [5]],
];

for (const [where, expected] of CASES) {
  test(`select * from w where ${where}`, async (t) => {
    t.deepEqual(await times(`select * from w where ${where} order asc`), expected);
  });
}

test('a duration divides like the select list divides', async (t) => {
  const [series] = await querySeries(server, DB, 'select a / 1s from w where a > 2', { time_precision: 's' });
  t.deepEqual(series!.points.map((p) => p[2]), [1, 0.0000025]);
});

test('an aggregate, a merge and a join select the same rows', async (t) => {
  const [counted] = await querySeries(server, DB, "select count(a) from w where s < 'y'", { time_precision: 's' });
  t.deepEqual(counted!.points, [[0, 3]]);
  t.deepEqual(await times('select * from w merge v where a > 2 order asc'), [2, 3, 5]);
  const [joined] = await querySeries(server, DB, 'select w.a, v.a from w inner join v where w.a < v.a', { time_precision: 's' });
  // Descending: w5, w4, v3 (right first on ties), w3 → (w4, v3) pair at 3 s: true < 3 is false.
  t.deepEqual(joined?.points ?? [], []);
  const response = await query(server, DB, 'select * from w where a =~ /(/');
  t.is(response.status, 400);
});
