/**
 * `format=arrow`: any select (raw, aggregate, merge, join, arithmetic), `list series`, `list
 * continuous queries` and empty answers come back as one Arrow IPC
 * stream that apache-arrow's reader takes as it came off the socket, holding exactly what the
 * JSON answer to the same query holds, typed so that no value changes.
 */
import test from 'ava';
import { arrowQuery, asJsonSeries, jsonAnswer, otherSeriesRows } from '../helpers/arrow-answer.js';
import { createDb, request, writeOk, type Credentials } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'arrow';
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  await seed();
});

test.after.always(cleanupServers);

/** Writes a body with exact int64 literals (JSON.stringify cannot print a bigint). */
async function writeExact(name: string, columns: string[], rows: string[]): Promise<void> {
  const body = `[{"name":"${name}","columns":${JSON.stringify(columns)},"points":[${rows.join(',')}]}]`;
  const result = await request(server, 'POST', `/db/${DB}/series`, { body, params: { time_precision: 'u' } });
  if (result.status !== 200) throw new Error(result.text);
}

async function seed(): Promise<void> {
  await writeExact(
    'exact',
    ['time', 'big', 'f', 's', 'b', 'mixed_num', 'mixed_any', 'wide_mix', 'sparse'],
    [
      '[1000001,9223372036854775807,1.5,"a",true,1,1,9007199254740993,null]',
      '[1000002,-9223372036854775808,-0.25,"é \\"q\\"",false,2.5,"x",0.5,null]',
      '[1000003,0,1e300,"",true,-7,true,1,3]',
      '[1000004,42,null,null,null,null,null,null,null]',
    ],
  );
  await writeOk(server, DB, [
    { name: 'cpu.a', columns: ['time', 'value'], points: [[1_400_000_000_123, 0.5], [1_400_000_001_999, 1.25]] },
    { name: 'cpu.b', columns: ['time', 'value', 'host'], points: [[1_400_000_000_500, 2, 'h1']] },
    { name: 'left', columns: ['time', 'a', 'shared'], points: [[10_000, 'l1', 1], [30_000, 'l2', 3], [50_000, 'l3', 5.5]] },
    { name: 'right', columns: ['time', 'b', 'shared'], points: [[20_000, true, 2], [30_000, false, 4], [60_000, null, 6]] },
  ]);
}

/** Checks the Arrow answer holds the JSON answer; returns how many rows that has. */
async function sameAsJson(t: import('ava').ExecutionContext, q: string, params: Record<string, string> = {}, auth?: Credentials): Promise<number> {
  const json = await jsonAnswer(server, DB, q, params, auth);
  const arrow = await arrowQuery(server, DB, q, params, auth);
  t.is(arrow.status, 200, arrow.text);
  t.is(arrow.contentType, 'application/vnd.apache.arrow.stream');
  t.deepEqual(asJsonSeries(arrow.table!, json), json);
  t.is(otherSeriesRows(arrow.table!, json.map((s) => s.name)), 0);
  return json.reduce((rows, series) => rows + series.points.length, 0);
}

test('every value kind reads back as the JSON answer has it, in types that keep it exact', async (t) => {
  await sameAsJson(t, 'select * from exact');
  const { table } = await arrowQuery(server, DB, 'select * from exact');
  const types = Object.fromEntries(table!.schema.fields.map((f) => [f.name, `${f.type}`]));
  t.deepEqual(types, {
    series: 'Dictionary<Int32, Utf8>',
    time: 'Timestamp<MILLISECOND, UTC>',
    sequence_number: 'Int64',
    big: 'Int64',
    f: 'Float64',
    s: 'Utf8',
    b: 'Bool',
    // ints and floats together: doubles, since every int fits one exactly
    mixed_num: 'Float64',
    // several kinds, or an int beyond 2^53 with floats: each value's JSON text
    mixed_any: 'Utf8',
    wide_mix: 'Utf8',
    sparse: 'Int64',
  });
  const json = table!.schema.fields.filter((f) => f.metadata.get('sluice.values') === 'json').map((f) => f.name);
  t.deepEqual(json, ['mixed_any', 'wide_mix']);
  t.is(table!.getChild('big')!.get(3), 9223372036854775807n, 'int64 extremes are exact');
  t.is(table!.getChild('big')!.get(2), -9223372036854775808n);
  t.is(table!.getChild('sparse')!.nullCount, 3);
});

test('several series with different columns: one table, the union of their columns', async (t) => {
  await sameAsJson(t, 'select * from /cpu/');
  await sameAsJson(t, 'select value from cpu.a, cpu.b order asc');
  const { table } = await arrowQuery(server, DB, 'select * from /cpu/');
  t.deepEqual(table!.schema.fields.map((f) => f.name), ['series', 'time', 'sequence_number', 'value', 'host']);
  t.is(table!.numRows, 3);
});

test('where, limit and arithmetic select the rows and columns JSON would', async (t) => {
  await sameAsJson(t, 'select * from exact where b = true');
  await sameAsJson(t, 'select f * 2, big from exact limit 2');
  await sameAsJson(t, 'select * from /.*/ where time > 1400000000s order asc limit 1');
});

test('merge: one series, both inputs interleaved by time with _orig_series, as JSON', async (t) => {
  await sameAsJson(t, 'select * from left merge right');
  await sameAsJson(t, 'select * from left merge right order asc limit 4', { time_precision: 's' });
  await sameAsJson(t, 'select shared from left merge right where shared > 2');
  const { table } = await arrowQuery(server, DB, 'select * from left merge right');
  t.deepEqual(
    table!.schema.fields.map((f) => `${f.name}:${f.type}`),
    ['series:Dictionary<Int32, Utf8>', 'time:Timestamp<MILLISECOND, UTC>', 'sequence_number:Int64', 'a:Utf8', 'shared:Float64', 'b:Bool', '_orig_series:Utf8'],
  );
});

test('join: one series of paired rows with prefixed columns and no sequence number, as JSON', async (t) => {
  await sameAsJson(t, 'select * from left as l inner join right as r');
  await sameAsJson(t, 'select * from left as l inner join right as r where l.shared > 1 order asc');
  const { table } = await arrowQuery(server, DB, 'select * from left as l inner join right as r');
  t.deepEqual(table!.schema.fields.map((f) => f.name), ['series', 'time', 'l.a', 'l.shared', 'r.b', 'r.shared']);
});

test('time_precision sets the timestamp unit; the values are the JSON answer\'s', async (t) => {
  for (const [precision, unit] of [
    ['s', 'SECOND'],
    ['ms', 'MILLISECOND'],
    ['u', 'MICROSECOND'],
  ] as const) {
    await sameAsJson(t, 'select * from /cpu/', { time_precision: precision });
    const { table } = await arrowQuery(server, DB, 'select * from /cpu/', { time_precision: precision });
    t.is(`${table!.schema.fields[1]!.type}`, `Timestamp<${unit}, UTC>`);
  }
});

test('an empty answer is a stream with a schema and no rows', async (t) => {
  const none = await arrowQuery(server, DB, 'select * from cpu.a where time > now()');
  t.is(none.status, 200);
  t.is(none.table!.numRows, 0);
  t.deepEqual(none.table!.schema.fields.map((f) => f.name), ['series', 'time', 'sequence_number', 'value']);
  const statement = await arrowQuery(server, DB, 'drop continuous query 12345');
  t.is(statement.table!.numRows, 0);
});

test('list series is one row per series name', async (t) => {
  const { table } = await arrowQuery(server, DB, 'list series');
  t.deepEqual(table!.getChild('name')!.toArray(), ['cpu.a', 'cpu.b', 'exact', 'left', 'right']);
  t.deepEqual([...new Set(table!.getChild('series')!.toArray())], ['list_series_result']);
});

test('errors before the stream are the JSON answer\'s errors', async (t) => {
  const unknown = await arrowQuery(server, DB, 'select * from nothere');
  const json = await request(server, 'GET', `/db/${DB}/series`, { params: { q: 'select * from nothere' } });
  t.is(unknown.status, json.status);
  t.is(unknown.text, json.text);
  const format = await request(server, 'GET', `/db/${DB}/series`, { params: { q: 'select * from cpu.a', format: 'csv' } });
  t.deepEqual([format.status, format.text], [400, 'Unknown format csv']);
  const aggregate = await arrowQuery(server, DB, 'select count(nothere) from cpu.a');
  const jsonAggregate = await request(server, 'GET', `/db/${DB}/series`, { params: { q: 'select count(nothere) from cpu.a' } });
  t.deepEqual([aggregate.status, aggregate.text], [jsonAggregate.status, jsonAggregate.text]);
});

test('aggregates, with group by time, fill and where, hold what the JSON answer holds', async (t) => {
  await sameAsJson(t, 'select count(value), mean(value), max(value) from /cpu/ group by time(1s)');
  await sameAsJson(t, 'select sum(value) from cpu.a group by time(500ms) fill(0) where time > 1400000000s and time < 1400000003s', { time_precision: 'u' });
  await sameAsJson(t, 'select count(big), first(s), last(mixed_any), percentile(f, 50) from exact');
  await sameAsJson(t, 'select count(f) from exact group by b');
  const { table } = await arrowQuery(server, DB, 'select count(value), mean(value) from /cpu/ group by time(1s)');
  t.deepEqual(table!.schema.fields.map((f) => `${f.name}:${f.type}`), ['series:Dictionary<Int32, Utf8>', 'time:Timestamp<MILLISECOND, UTC>', 'count:Float64', 'mean:Float64']);
});

test('aggregates over merge and join: one series, typed by its rows, as JSON', async (t) => {
  t.is(await sameAsJson(t, 'select count(shared), max(shared), last(shared) from left merge right'), 1);
  t.is(await sameAsJson(t, 'select count(shared), mean(shared) from left merge right group by time(20s) fill(0)', { time_precision: 's' }), 4);
  t.is(await sameAsJson(t, 'select count(l.shared), sum(r.shared), first(l.a) from left as l inner join right as r'), 1);
  const { table } = await arrowQuery(server, DB, 'select count(l.shared), first(l.a), last(r.b) from left as l inner join right as r');
  t.deepEqual(
    table!.schema.fields.map((f) => `${f.name}:${f.type}`),
    ['series:Dictionary<Int32, Utf8>', 'time:Timestamp<MILLISECOND, UTC>', 'count:Float64', 'first:Utf8', 'last:Bool'],
  );
  // Nothing in range: a schema and no rows, as JSON answers [].
  const empty = await arrowQuery(server, DB, 'select count(shared) from left merge right where time > 100000s');
  t.is(empty.status, 200, empty.text);
  t.is(empty.table!.numRows, 0);
});

test('arithmetic over merge and join: the columns JSON computes, in types declared before any row', async (t) => {
  t.is(await sameAsJson(t, 'select shared * 2, shared / 2 from left merge right'), 6);
  t.is(await sameAsJson(t, 'select shared - 1.5 from left merge right where shared > 2'), 4);
  t.is(await sameAsJson(t, 'select l.shared + r.shared, r.shared * 3 from left as l inner join right as r'), 3);
  // A division by zero is null in JSON; in Arrow too, not Infinity or NaN, in a float and in a text column.
  t.is(await sameAsJson(t, 'select shared * 1.5 / 0, shared / 0, shared - shared / 0 from left merge right'), 6);
  t.is(await sameAsJson(t, 'select shared * 1.5 / 0 from left'), 3);
  const { table } = await arrowQuery(server, DB, 'select r.shared * 3, r.shared / 2, l.shared - 0.5 from left as l inner join right as r');
  // right.shared holds ints only: int results stay Int64 (even where a product could pass 2^53); a float operand makes Float64.
  t.deepEqual(table!.schema.fields.slice(2).map((f) => `${f.type}`), ['Int64', 'Int64', 'Float64']);
});

test('list continuous queries is one row per query, its id an Int64', async (t) => {
  // A database of its own: the query's backfill writes a series the other tests would see.
  const db = 'arrow_cq';
  await createDb(server, db);
  const created = await request(server, 'GET', `/db/${db}/series`, { params: { q: 'select count(value) from cpu.a group by time(1h) into cpu.a.hourly' } });
  t.is(created.status, 200, created.text);
  const json = await jsonAnswer(server, db, 'list continuous queries');
  const { table, status, text } = await arrowQuery(server, db, 'list continuous queries');
  t.is(status, 200, text);
  t.deepEqual(asJsonSeries(table!, json), json);
  t.deepEqual(table!.schema.fields.map((f) => `${f.name}:${f.type}`), ['series:Dictionary<Int32, Utf8>', 'time:Timestamp<MILLISECOND, UTC>', 'id:Int64', 'query:Utf8']);
  t.is(table!.numRows, 1);
});

test('a restricted reader gets only its permitted series and rows, as in JSON', async (t) => {
  await writeOk(server, DB, [{ name: 'events', columns: ['time', 'customer', 'v'], points: [[1000, 3, 1.5], [2000, 4, 'secret'], [3000, 3, 2]] }]);
  const created = await request(server, 'POST', `/db/${DB}/users`, {
    body: JSON.stringify({ name: 'c3', password: 'secret1', readPermissions: [{ name: 'events', whereClause: 'where customer = 3' }] }),
  });
  t.is(created.status, 200, created.text);
  const reader = { u: 'c3', p: 'secret1' };
  await sameAsJson(t, 'select * from /.*/', {}, reader);
  const { table } = await arrowQuery(server, DB, 'select * from /.*/', {}, reader);
  t.is(table!.numRows, 2);
  // The hidden row's string does not make the column text: kinds come from permitted rows.
  t.is(`${table!.schema.fields.find((f) => f.name === 'v')!.type}`, 'Float64');
});
