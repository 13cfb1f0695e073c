/**
 * Creating, listing and dropping databases (http-api.md §7), including that a dropped
 * database takes its data with it.
 */
import test from 'ava';
import { createDb, dropDb, listDbs, listSeries, query, querySeries, request, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer();
});

test.after.always(cleanupServers);

function postDb(body: string) {
  return request(server, 'POST', '/db', { body, headers: { 'content-type': 'application/json' } });
}

test.serial('POST /db creates a database: 201 with an empty body', async (t) => {
  const result = await postDb('{"name":"alpha"}');
  t.is(result.status, 201, result.text);
  t.is(result.text, '');
  t.true((await listDbs(server)).includes('alpha'));
});

test.serial('extra keys in the create body are ignored', async (t) => {
  const result = await postDb('{"name":"extra","replicationFactor":1}');
  t.is(result.status, 201, result.text);
});

test.serial('creating an existing database → 409 database <name> exists', async (t) => {
  const result = await postDb('{"name":"alpha"}');
  t.is(result.status, 409);
  t.is(result.text, 'database alpha exists');
});

test.serial('a name containing % → 400 <name> isn\'t a valid db name', async (t) => {
  const result = await postDb('{"name":"a%b"}');
  t.is(result.status, 400);
  t.is(result.text, "a%b isn't a valid db name");
  t.false((await listDbs(server)).includes('a%b'));
});

test.serial('an empty name → 400 Database name cannot be empty', async (t) => {
  const result = await postDb('{"name":""}');
  t.is(result.status, 400);
  t.is(result.text, 'Database name cannot be empty');
});

test.serial('a malformed create body → 400', async (t) => {
  const result = await postDb('{"name":');
  t.is(result.status, 400);
  t.not(result.text, '');
});

test.serial('GET /db lists databases as [{"name":..}] sorted by name', async (t) => {
  for (const name of ['zeta', 'Beta', 'mid', 'beta']) await createDb(server, name);
  const result = await request(server, 'GET', '/db');
  t.is(result.status, 200);
  t.regex(result.headers.get('content-type') ?? '', /^application\/json/);
  const listed = JSON.parse(result.text) as unknown[];
  for (const item of listed) t.deepEqual(Object.keys(item as object), ['name']);
  const names = (listed as { name: string }[]).map((d) => d.name);
  t.deepEqual(names, ['Beta', 'alpha', 'beta', 'extra', 'mid', 'zeta']);
});

test.serial('DELETE /db/:name drops the database: 204, then it is no longer listed', async (t) => {
  const result = await dropDb(server, 'mid');
  t.is(result.status, 204, result.text);
  t.is(result.text, '');
  t.false((await listDbs(server)).includes('mid'));
});

test.serial('dropping a missing database → 400 Database <name> doesn\'t exist', async (t) => {
  for (const name of ['mid', 'never']) {
    const result = await dropDb(server, name);
    t.is(result.status, 400);
    t.is(result.text, `Database ${name} doesn't exist`);
  }
});

test.serial('a name with a space is addressed percent-encoded in the path', async (t) => {
  await createDb(server, 'with space');
  t.true((await listDbs(server)).includes('with space'));
  const result = await request(server, 'DELETE', '/db/with%20space');
  t.is(result.status, 204, result.text);
  t.false((await listDbs(server)).includes('with space'));
});

test.serial('dropping a database deletes its data: recreated, it has no series', async (t) => {
  await createDb(server, 'dropme');
  await writeOk(server, 'dropme', [{ name: 'cpu', columns: ['time', 'value'], points: [[1380000000, 1], [1380000010, 2]] }], {
    precision: 's',
  });
  const before = await querySeries(server, 'dropme', 'select * from cpu');
  t.is(before[0]?.points.length, 2);

  t.is((await dropDb(server, 'dropme')).status, 204);
  const afterDrop = await query(server, 'dropme', 'select * from cpu');
  t.is(afterDrop.status, 400, 'querying a dropped database');

  await createDb(server, 'dropme');
  t.deepEqual(await listSeries(server, 'dropme'), []);
  const recreated = await query(server, 'dropme', 'select * from cpu');
  t.is(recreated.status, 400);
  t.true(recreated.text.startsWith("Couldn't look up columns"), recreated.text);
});
