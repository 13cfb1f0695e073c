/**
 * HTTP API edges found by probing the server against http-api.md and continuous-queries.md:
 * `/interfaces`, continuous queries over merge and join, the bodies 0.8 answered 500, an empty
 * Basic-auth name, the order of a write's checks (§4.7), and paths with escapes that are not
 * UTF-8 or not escapes at all.
 */
import test from 'ava';
import { createDb, fetchRetryingStale, request, urlFor, write } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, 'mq');
});

test.after.always(cleanupServers);

test('GET /interfaces needs no credentials: ["default"] with the admin page, [] without', async (t) => {
  const off = await request(server, 'GET', '/interfaces', { auth: null });
  t.deepEqual([off.status, JSON.parse(off.text)], [200, []]);
  const withAdmin = await startServer({ args: ['--admin-port', '0'] });
  const on = await request(withAdmin, 'GET', '/interfaces', { auth: null });
  t.deepEqual([on.status, JSON.parse(on.text)], [200, ['default']]);
});

test('continuous queries over a merge or a join are refused when created, by either route', async (t) => {
  const cases: [string, string][] = [
    ['select * from a merge b into fm', 'merge'],
    ['select mean(v) from a merge b group by time(10s) into mg', 'merge'],
    ['select * from a inner join b into fj', 'join'],
  ];
  for (const [query, kind] of cases) {
    const posted = await request(server, 'POST', '/db/mq/continuous_queries', { body: JSON.stringify({ query }) });
    t.deepEqual([posted.status, posted.text], [400, `Continuous queries cannot select from a ${kind}`], query);
    const asQuery = await request(server, 'GET', '/db/mq/series', { params: { q: query } });
    t.deepEqual([asQuery.status, asQuery.text], [400, `Continuous queries cannot select from a ${kind}`], query);
  }
  const listed = await request(server, 'GET', '/db/mq/continuous_queries');
  t.deepEqual(JSON.parse(listed.text), []);
});

test('a password change or shard space whose body is not JSON is a 500, as in 0.8 (the password change before auth)', async (t) => {
  const password = await request(server, 'POST', '/cluster_admins/root', { body: 'bad', auth: { u: 'root', p: 'wrong' } });
  t.is(password.status, 500);
  t.regex(password.text, /not valid JSON/);
  const space = await request(server, 'POST', '/cluster/shard_spaces/mq', { body: 'bad' });
  t.is(space.status, 500);
  const unchanged = await request(server, 'GET', '/db');
  t.is(unchanged.status, 200);
});

test('Basic auth with an empty name is no username: 401 Invalid database/username/password', async (t) => {
  const header = `Basic ${Buffer.from(':secret').toString('base64')}`;
  const response = await fetchRetryingStale(urlFor(server, '/db', {}, null), { method: 'GET', headers: { authorization: header } });
  t.deepEqual([response.status, await response.text()], [401, 'Invalid database/username/password']);
});

test('a write reports a missing database before an invalid time, and a body that does not decode before both', async (t) => {
  const farFuture = [{ name: 'a', columns: ['time'], points: [[1e20]] }];
  const missing = await write(server, 'nodb', farFuture, { precision: 's' });
  t.deepEqual([missing.status, missing.text], [400, "Database nodb doesn't exist"]);
  const existing = await write(server, 'mq', farFuture, { precision: 's' });
  t.deepEqual([existing.status, existing.text], [400, 'Time.MarshalJSON: year outside of range [0,9999]']);
  const broken = await request(server, 'POST', '/db/nodb/series', { body: '[{"name":"a","columns":["time"],"points":[[1,]]}]' });
  t.deepEqual([broken.status, broken.text], [400, "invalid character ']' looking for beginning of value"]);
});

test('a database name that is not a string is named as such', async (t) => {
  const result = await request(server, 'POST', '/db', { body: '{"name":5}' });
  t.deepEqual([result.status, result.text], [400, 'Database name must be a string']);
});

test('a path escape that is not UTF-8 reaches its route; a % that is not an escape is a 400', async (t) => {
  const accented = await request(server, 'GET', '/db/%C3%A9/series', { params: { q: 'list series' } });
  t.deepEqual([accented.status, accented.text], [400, "Database é doesn't exist"]);
  const notUtf8 = await request(server, 'GET', '/db/%FF/series', { params: { q: 'list series' } });
  t.deepEqual([notUtf8.status, notUtf8.text], [400, "Database \uFFFD doesn't exist"]);
  const notEscape = await request(server, 'GET', '/db/%G1/series', { params: { q: 'list series' } });
  t.deepEqual([notEscape.status, notEscape.text], [400, 'invalid URL escape']);
});
