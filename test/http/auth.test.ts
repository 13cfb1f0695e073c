/**
 * Where credentials come from and how their failures answer (http-api.md §2): `u`/`p`
 * parameters, HTTP Basic auth, 401 texts with the WWW-Authenticate challenge, and 400s for
 * malformed Authorization headers.
 */
import test from 'ava';
import { createDb, request, type HttpResult, type RequestOptions } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  // Failed logins here would slow later tests' checks by seconds; that slow-down is users.test.ts's subject.
  server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'authdb');
});

test.after.always(cleanupServers);

function basic(userColonPassword: string): string {
  return `Basic ${Buffer.from(userColonPassword, 'utf8').toString('base64')}`;
}

/** One route of each credential mode: cluster admin only, and database user → cluster admin. */
function routes(options: RequestOptions): Promise<HttpResult>[] {
  return [
    request(server, 'GET', '/db', options),
    request(server, 'GET', '/db/authdb/series', { ...options, params: { q: 'list series', ...options.params } }),
    request(server, 'POST', '/db/authdb/series', { ...options, body: '[]' }),
  ];
}

const ROUTE_NAMES = ['GET /db', 'GET /db/authdb/series', 'POST /db/authdb/series'];

test.serial('no credentials → 401 Invalid database/username/password with a Basic challenge', async (t) => {
  const results = await Promise.all(routes({ auth: null }));
  results.forEach((result, i) => {
    t.is(result.status, 401, ROUTE_NAMES[i]);
    t.is(result.text, 'Invalid database/username/password', ROUTE_NAMES[i]);
    t.is(result.headers.get('www-authenticate'), 'Basic realm="influxdb"', ROUTE_NAMES[i]);
  });
});

test.serial('wrong password or unknown user → 401 Invalid username/password', async (t) => {
  for (const auth of [
    { u: 'root', p: 'wrong' },
    { u: 'nobody', p: 'root' },
  ]) {
    const results = await Promise.all(routes({ auth }));
    results.forEach((result, i) => {
      t.is(result.status, 401, `${ROUTE_NAMES[i]} as ${auth.u}`);
      t.is(result.text, 'Invalid username/password', `${ROUTE_NAMES[i]} as ${auth.u}`);
      t.is(result.headers.get('www-authenticate'), 'Basic realm="influxdb"');
    });
  }
});

test.serial('root/root in u and p parameters is accepted', async (t) => {
  const results = await Promise.all(routes({}));
  t.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200],
    results.map((r) => r.text).join(' | '),
  );
});

test.serial('HTTP Basic credentials are accepted', async (t) => {
  const results = await Promise.all(routes({ auth: null, headers: { authorization: basic('root:root') } }));
  t.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200],
    results.map((r) => r.text).join(' | '),
  );
});

test.serial('wrong HTTP Basic credentials → 401 Invalid username/password', async (t) => {
  const result = await request(server, 'GET', '/db', { auth: null, headers: { authorization: basic('root:nope') } });
  t.is(result.status, 401);
  t.is(result.text, 'Invalid username/password');
  t.is(result.headers.get('www-authenticate'), 'Basic realm="influxdb"');
});

test.serial('u and p are used only when both are non-empty; otherwise the header decides', async (t) => {
  const withHeader = await request(server, 'GET', '/db', {
    auth: null,
    params: { u: 'root', p: '' },
    headers: { authorization: basic('root:root') },
  });
  t.is(withHeader.status, 200, withHeader.text);

  const withoutHeader = await request(server, 'GET', '/db', { auth: null, params: { u: 'root', p: '' } });
  t.is(withoutHeader.status, 401);
  t.is(withoutHeader.text, 'Invalid database/username/password');
});

test.serial('valid u and p win over a malformed Authorization header', async (t) => {
  const result = await request(server, 'GET', '/db', { headers: { authorization: 'garbage' } });
  t.is(result.status, 200, result.text);
});

test.serial('a malformed Authorization header → 400 Bad auth header / Bad encoding / Bad auth value', async (t) => {
  const cases: [string, string][] = [
    ['Basic', 'Bad auth header'],
    ['Basic a b', 'Bad auth header'],
    ['Basic  cm9vdDpyb290', 'Bad auth header'],
    ['Basic !!!!', 'Bad encoding'],
    ['Basic cm9vdA=!', 'Bad encoding'],
    [basic('rootroot'), 'Bad auth value'],
  ];
  for (const [authorization, expected] of cases) {
    for (const path of ['/db', '/db/authdb/series?q=list%20series']) {
      const result = await request(server, 'GET', path, { auth: null, headers: { authorization } });
      t.is(result.status, 400, `${path} Authorization: ${authorization}`);
      t.is(result.text, expected, `${path} Authorization: ${authorization}`);
    }
  }
});

test.serial('/ping needs no credentials even with bad ones', async (t) => {
  const result = await request(server, 'GET', '/ping', { auth: { u: 'root', p: 'wrong' } });
  t.is(result.status, 200);
});
