/**
 * Arithmetic select lists over HTTP (query-language.md §8, §9.2, §9.3): computed columns in
 * select-list order named by alias or `expr<i>`, the type rules of ints, floats, strings,
 * bools and nulls, division, exact int64 results, rows that show only when a referenced
 * column has a value, chunked output, and the refusal of aggregates inside arithmetic.
 */
import test from 'ava';
import { createDb, query, querySeries, streamQuery, writeOk, type SeriesResult } from '../helpers/client.js';
import { parseNumbersAsText } from '../helpers/exact-json.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'arith';
let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  // A string body, so that 7.0 and 0.0 arrive as floats (JSON.stringify would write 7 and 0).
  const m = `{"name":"m","columns":["time","sequence_number","a","b","s"],"points":[
    [1,1,7,2,"x"],[2,2,-7,2,null],[3,3,7.5,2,null],[4,4,7,0,null],[5,5,7.0,0.0,null],
    [6,6,"str",1,null],[7,7,true,1,null],[8,8,null,3,null],[9,9,null,null,"only s"]]}`;
  const big = '{"name":"big","columns":["time","sequence_number","i"],"points":[[1,1,9223372036854775807],[2,2,4611686018427387904]]}';
  await writeOk(server, DB, `[${m},${big}]`, { precision: 's' });
  const many = Array.from({ length: 2500 }, (_, i) => [i + 1, i + 1, i]);
  await writeOk(server, DB, [{ name: 'many', columns: ['time', 'sequence_number', 'v'], points: many }], { precision: 's' });
});

test.after.always(cleanupServers);

async function select(q: string): Promise<SeriesResult[]> {
  return querySeries(server, DB, q, { time_precision: 's' });
}

test.serial('each item is a column: names by alias or expr<i>, in select-list order (§8)', async (t) => {
  const [result] = await select('select b, a * 2 + b, (a - b) as diff from m where time < 2s order asc');
  t.deepEqual(result, { name: 'm', columns: ['time', 'sequence_number', 'b', 'expr1', 'diff'], points: [[1, 1, 2, 16, 5]] });
  const [named] = await select('select a, a * 2 from m order asc limit 1');
  t.deepEqual(named!.columns, ['time', 'sequence_number', 'a', 'expr1']);
});

test.serial('int∘int stays int, / truncates toward zero; any float makes a float; strings, bools, nulls give null (§8)', async (t) => {
  const [result] = await select('select a + b, a - b, a * b, a / b from m where time < 9s order asc');
  t.deepEqual(result!.columns, ['time', 'sequence_number', 'expr0', 'expr1', 'expr2', 'expr3']);
  t.deepEqual(result!.points, [
    [1, 1, 9, 5, 14, 3],
    [2, 2, -5, -9, -14, -3],
    [3, 3, 9.5, 5.5, 15, 3.75],
    // int / 0 → null; the other operators still compute.
    [4, 4, 7, 7, 0, null],
    // float / 0 → Inf or NaN → null in JSON.
    [5, 5, 7, 7, 0, null],
    [6, 6, null, null, null, null],
    [7, 7, null, null, null, null],
    [8, 8, null, null, null, null],
  ]);
});

test.serial('constants on either side, negative literals, parentheses, float constants (§8)', async (t) => {
  const [result] = await select('select -1 * a, 1.0 * a / b, (a + 1) * 2, 10 - a from m where time < 2s');
  t.deepEqual(result!.points, [[1, 1, -7, 3.5, 16, 3]]);
});

test.serial('int64 results are exact and wrap like Go on overflow', async (t) => {
  const response = await query(server, DB, 'select i - 1, i + 1, i * 2, i / 3 from big order asc', { time_precision: 's' });
  t.is(response.status, 200, response.text);
  const [result] = parseNumbersAsText(response.text) as { points: string[][] }[];
  t.deepEqual(result!.points, [
    ['1', '1', '9223372036854775806', '-9223372036854775808', '-2', '3074457345618258602'],
    ['2', '2', '4611686018427387903', '4611686018427387905', '-9223372036854775808', '1537228672809129301'],
  ]);
});

test.serial('a row shows only when a column the select list reads has a value (§9.3)', async (t) => {
  const [onlyA] = await select('select a * 1 from m order asc');
  t.deepEqual(
    onlyA!.points.map((p) => p[0]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  const [either] = await select('select a + b from m order asc');
  t.deepEqual(
    either!.points.map((p) => p[0]),
    [1, 2, 3, 4, 5, 6, 7, 8],
    'row 8 shows (b has a value) with a null result; row 9 has neither a nor b',
  );
});

test.serial('where, order and limit apply as for raw selects', async (t) => {
  const [result] = await select('select a * 10 from m where b = 2 limit 2');
  t.deepEqual(result!.points, [[3, 3, 75], [2, 2, -70]]);
});

test.serial('chunked output carries the same rows in objects of at most 1000 points', async (t) => {
  const whole = await select('select (v * 2) as twice from many order asc');
  const streamed = await streamQuery(server, DB, 'select (v * 2) as twice from many order asc', { time_precision: 's' });
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.true(objects.length >= 3);
  for (const object of objects) {
    t.deepEqual(object.columns, ['time', 'sequence_number', 'twice']);
    t.true(object.points.length <= 1000);
  }
  t.deepEqual(
    objects.flatMap((o) => o.points),
    whole[0]!.points,
  );
  t.deepEqual(whole[0]!.points[2499], [2500, 2500, 4998]);
});

test.serial('errors: unknown columns, unknown series', async (t) => {
  const cases: [string, string][] = [
    ['select a + nosuch from m', "Field nosuch doesn't exist in series m"],
    ['select a + 1 from nosuch', "Couldn't look up columns for series: nosuch"],
  ];
  for (const [q, message] of cases) {
    const response = await query(server, DB, q);
    t.is(response.status, 400, q);
    t.is(response.text, message, q);
  }
});
