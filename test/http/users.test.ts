/**
 * The account endpoints' own rules (http-api.md §8–§9, security.md §2–§3): body keys, name and
 * password rules and their messages, the user object, bootstrap, and that accounts survive a
 * restart and a damaged meta file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { singleNodeTest } from '../helpers/single-node-test.js';
import { createDb, request, type Credentials, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

async function statusAndText(response: Promise<HttpResult>): Promise<{ status: number; text: string }> {
  const { status, text } = await response;
  return { status, text };
}

const post = (server: TestServer, pathname: string, body: unknown, auth?: Credentials) =>
  statusAndText(request(server, 'POST', pathname, { body: typeof body === 'string' ? body : JSON.stringify(body), ...(auth ? { auth } : {}) }));

test('database users: both body keys, the 0.8 and seed permission shapes, and the listed user object', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'shop');
  t.deepEqual(await post(server, '/db/shop/users', { username: 'seed user@x', password: 'pass' }), { status: 200, text: '' });
  t.deepEqual(await post(server, '/db/shop/users', { name: 'legacy', password: 'pass', readFrom: '^cpu', writeTo: '^$' }), { status: 200, text: '' });
  t.deepEqual(await post(server, '/db/shop/users', { name: 'boss', password: 'pass', admin: true }), { status: 200, text: '' });
  const listed = await request(server, 'GET', '/db/shop/users');
  t.deepEqual(JSON.parse(listed.text), [
    { name: 'boss', isAdmin: true, writeTo: '.*', readFrom: '.*', readPermissions: [{ matcher: '.*' }], writePermissions: [{ matcher: '.*' }] },
    { name: 'legacy', isAdmin: false, writeTo: '^$', readFrom: '^cpu', readPermissions: [{ matcher: '^cpu' }], writePermissions: [{ matcher: '^$' }] },
    { name: 'seed user@x', isAdmin: false, writeTo: '.*', readFrom: '.*', readPermissions: [{ matcher: '.*' }], writePermissions: [{ matcher: '.*' }] },
  ]);
  t.deepEqual(JSON.parse((await request(server, 'GET', '/db/shop/admins')).text).map((u: { name: string }) => u.name), ['boss']);
  t.deepEqual(JSON.parse((await request(server, 'GET', `/db/shop/users/${encodeURIComponent('seed user@x')}`)).text).name, 'seed user@x');
  t.is((await request(server, 'GET', '/db/shop/authenticate', { auth: { u: 'seed user@x', p: 'pass' } })).status, 200);
  // The password is never part of any answer.
  t.false(listed.text.includes('pass"'));
  t.false(listed.text.includes('salt'));
});

test('database user errors: texts and order of §9.3 and §9.4', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'shop');
  const cases: [string, unknown, string][] = [
    ['/db/shop/users', '{"name":', 'Unexpected end of JSON input'],
    ['/db/shop/users', { name: '', password: 'pass' }, 'Username cannot be empty'],
    ['/db/shop/users', { password: 'pass' }, 'Username cannot be empty'],
    ['/db/shop/users', { name: '50%', password: 'pass' }, "50% isn't a valid username"],
    ['/db/shop/users', { name: 'p', password: 'abc' }, 'Password must be more than 4 and less than 56 characters'],
    ['/db/shop/users', { name: 'p', password: 'x'.repeat(57) }, 'Password must be more than 4 and less than 56 characters'],
    ['/db/nowhere/users', { name: 'p', password: 'pass' }, 'No such database nowhere'],
    ['/db/shop/users', { name: 'p', password: 'pass', readFrom: '.*' }, 'You have to provide read and write permissions'],
    ['/db/shop/users', { name: 'p', password: 'pass', readPermissions: [{}] }, 'A permission must have either a name or a matcher'],
    ['/db/shop/users', { name: 'p', password: 'pass', readPermissions: [{ name: 'a', matcher: 'b' }] }, 'A permission must have either a name or a matcher'],
    ['/db/shop/users', { name: 'p', password: 'pass', readPermissions: [{ matcher: '[' }] }, 'error parsing regexp: missing closing ]: `[`'],
    ['/db/shop/users', { name: 'p', password: 'pass', readPermissions: [{ name: 'a', whereClause: 'where time > now() - 1h' }] }, 'Invalid whereClause: time conditions are not allowed'],
    ['/db/shop/users', { name: 'p', password: 'pass', readPermissions: [{ name: 'a', colour: 'red' }] }, 'Unknown permission key colour'],
    ['/db/shop/users', { name: 'p', password: 'pass', writePermissions: [{ name: 'a', whereClause: 'x = 1' }] }, 'Unknown permission key whereClause'],
    ['/db/shop/users/ghost', { password: 'pass' }, 'Invalid username ghost'],
  ];
  for (const [pathname, body, message] of cases) t.deepEqual(await post(server, pathname, body), { status: 400, text: message }, JSON.stringify(body));
  t.deepEqual(await post(server, '/db/shop/users', { name: 'p', password: 'pass' }), { status: 200, text: '' });
  t.deepEqual(await post(server, '/db/shop/users', { name: 'p', password: 'other' }), { status: 400, text: 'User p already exists' });
  t.deepEqual(await post(server, '/db/shop/users/p', { readFrom: '.*' }), { status: 400, text: 'Changing permissions requires passing readFrom and writeTo' });
  t.deepEqual(await post(server, '/db/shop/users/p', { password: 5 }), { status: 400, text: 'password must be string' });
  t.deepEqual(await post(server, '/db/shop/users/p', { admin: 'yes' }), { status: 400, text: 'admin must be boolean' });
  t.deepEqual(await post(server, '/db/shop/admins/p', { password: 'pass' }), { status: 400, text: "User p isn't a database admin" });
  t.deepEqual(await statusAndText(request(server, 'DELETE', '/db/shop/users/ghost')), { status: 400, text: "User ghost doesn't exist" });
  t.deepEqual(await statusAndText(request(server, 'GET', '/db/shop/users/ghost')), { status: 400, text: 'Invalid username ghost' });
  // 4 and 56 bytes are both allowed.
  t.deepEqual(await post(server, '/db/shop/users', { name: 'four', password: 'abcd' }), { status: 200, text: '' });
  t.deepEqual(await post(server, '/db/shop/users', { name: 'long', password: 'x'.repeat(56) }), { status: 200, text: '' });
});

test('cluster admins: create, list, change password, delete; the last one stays', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  t.deepEqual(await post(server, '/cluster_admins', { username: 'paul', password: 'i write teh docz' }), { status: 200, text: '' });
  t.deepEqual(await post(server, '/cluster_admins', { name: 'paul', password: 'pass' }), { status: 400, text: 'User paul already exists' });
  t.deepEqual(await post(server, '/cluster_admins', { name: '', password: 'pass' }), { status: 400, text: 'Username cannot be empty' });
  t.deepEqual(await post(server, '/cluster_admins', { name: 'a%b', password: 'pass' }), { status: 400, text: "a%b isn't a valid username" });
  t.deepEqual(JSON.parse((await request(server, 'GET', '/cluster_admins')).text), [
    { name: 'paul', username: 'paul' },
    { name: 'root', username: 'root' },
  ]);
  const paul = { u: 'paul', p: 'i write teh docz' };
  t.is((await request(server, 'GET', '/cluster_admins/authenticate', { auth: paul })).status, 200);
  t.deepEqual(await post(server, '/cluster_admins/paul', { password: 'new pass' }), { status: 200, text: '' });
  t.is((await request(server, 'GET', '/cluster_admins/authenticate', { auth: paul })).status, 401, 'the old password stops working at once');
  t.deepEqual(await post(server, '/cluster_admins/nobody', { password: 'new pass' }), { status: 400, text: 'Invalid user name nobody' });
  t.deepEqual(await statusAndText(request(server, 'DELETE', '/cluster_admins/nobody')), { status: 400, text: "User nobody doesn't exists" });
  t.deepEqual(await statusAndText(request(server, 'DELETE', '/cluster_admins/root', { auth: { u: 'paul', p: 'new pass' } })), { status: 200, text: '' });
  t.is((await request(server, 'GET', '/db')).status, 401, 'root is gone');
  t.deepEqual(
    await statusAndText(request(server, 'DELETE', '/cluster_admins/paul', { auth: { u: 'paul', p: 'new pass' } })),
    { status: 200, text: '' },
    'the last cluster admin may delete itself (http-api.md §8)',
  );
  t.is((await request(server, 'GET', '/cluster_admins', { auth: { u: 'paul', p: 'new pass' } })).status, 401);
});

test('a database user and a cluster admin may share a name and are separate accounts', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'shop');
  await post(server, '/db/shop/users', { name: 'root', password: 'pass' });
  t.is((await request(server, 'GET', '/db/shop/authenticate', { auth: { u: 'root', p: 'pass' } })).status, 200);
  t.is((await request(server, 'GET', '/cluster_admins/authenticate', { auth: { u: 'root', p: 'root' } })).status, 200);
  t.is((await request(server, 'GET', '/db/shop/authenticate', { auth: { u: 'root', p: 'root' } })).status, 401);
  // root/root falls back to the cluster admin on DBU→CA routes.
  t.is((await request(server, 'GET', '/db/shop/users', { auth: { u: 'root', p: 'root' } })).status, 200);
});

singleNodeTest('accounts survive a restart; a damaged meta.json falls back to its previous good copy with a warning', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'shop');
  await post(server, '/db/shop/users', { name: 'kept', password: 'pass' });
  await post(server, '/db/shop/users', { name: 'last', password: 'pass' });
  await server.stop();
  const restarted = await startServer({ dataDir: server.dataDir, args: ['--login-failure-delay-ms', '0'] });
  t.is((await request(restarted, 'GET', '/db/shop/authenticate', { auth: { u: 'last', p: 'pass' } })).status, 200);
  await restarted.stop();
  const meta = path.join(server.dataDir, 'meta.json');
  t.true(existsSync(`${meta}.prev`));
  // A flipped byte inside the document: still JSON, but its checksum no longer matches.
  writeFileSync(meta, readFileSync(meta, 'utf8').replace('"kept"', '"kepT"'));
  const recovered = await startServer({ dataDir: server.dataDir, args: ['--login-failure-delay-ms', '0'] });
  t.is((await request(recovered, 'GET', '/db/shop/authenticate', { auth: { u: 'kept', p: 'pass' } })).status, 200);
  // The previous copy predates the last change.
  t.is((await request(recovered, 'GET', '/db/shop/authenticate', { auth: { u: 'last', p: 'pass' } })).status, 401);
  t.regex(recovered.output(), /meta file damaged; using the previous good copy/);
  await recovered.stop();
  // A torn file (cut short) is detected the same way.
  writeFileSync(meta, readFileSync(meta, 'utf8').slice(0, 40));
  const again = await startServer({ dataDir: server.dataDir, args: ['--login-failure-delay-ms', '0'] });
  t.is((await request(again, 'GET', '/db/shop/authenticate', { auth: { u: 'kept', p: 'pass' } })).status, 200);
});

test('root is created on the first start only; --reset-root brings it back', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'], env: { INFLUXDB_INIT_PWD: 'first' } });
  t.is((await request(server, 'GET', '/db', { auth: { u: 'root', p: 'first' } })).status, 200);
  await post(server, '/cluster_admins', { name: 'ops', password: 'pass' }, { u: 'root', p: 'first' });
  await request(server, 'DELETE', '/cluster_admins/root', { auth: { u: 'ops', p: 'pass' } });
  await server.stop();
  const restarted = await startServer({ dataDir: server.dataDir, args: ['--login-failure-delay-ms', '0'] });
  t.is((await request(restarted, 'GET', '/db', { auth: { u: 'root', p: 'root' } })).status, 401);
  await restarted.stop();
  const reset = await startServer({ dataDir: server.dataDir, args: ['--reset-root'] });
  t.is((await request(reset, 'GET', '/db', { auth: { u: 'root', p: 'root' } })).status, 200);
});

test('a client that keeps failing is slowed down; others are not', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '800'] });
  const wrong = { u: 'root', p: 'nope' };
  for (let i = 0; i < 4; i++) await request(server, 'GET', '/db', { auth: wrong });
  const started = Date.now();
  t.is((await request(server, 'GET', '/db', { auth: wrong })).status, 401);
  t.true(Date.now() - started >= 700, `waited ${Date.now() - started} ms`);
  // A success clears the slate (after one more wait).
  t.is((await request(server, 'GET', '/db')).status, 200);
  const after = Date.now();
  t.is((await request(server, 'GET', '/db')).status, 200);
  t.true(Date.now() - after < 500);
});

test('guesses sent in parallel take turns: a few are checked one after another, the rest refused with 429', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '2000'] });
  const wrong = { u: 'root', p: 'nope' };
  t.is((await request(server, 'GET', '/db', { auth: wrong })).status, 401);
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const answer = await request(server, 'GET', '/db', { auth: wrong });
      return { status: answer.status, retryAfter: answer.headers.get('retry-after'), ms: Date.now() - started };
    }),
  );
  const checked = answers.filter((a) => a.status === 401).sort((a, b) => a.ms - b.ms);
  const refused = answers.filter((a) => a.status === 429);
  // Turns at 100, 100 + 200 and 300 + 400 ms after the first failure: three checks, not twenty.
  t.is(checked.length, 3, JSON.stringify(answers));
  t.is(refused.length, 17);
  t.true(refused.every((a) => a.retryAfter === '2'), JSON.stringify(refused));
  t.true(checked[2]!.ms >= 650, `the third check came after ${checked[2]!.ms} ms`);
  // Right credentials still get in, after their turn.
  t.is((await request(server, 'GET', '/db')).status, 200);
});

test('node-influx createDatabase: /cluster/database_configs/:db creates the database; an existing one is 400', async (t) => {
  const server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  t.deepEqual(await post(server, '/cluster/database_configs/metrics', { spaces: [{ name: 'default', regex: '/.*/' }] }), { status: 201, text: '' });
  t.deepEqual(JSON.parse((await request(server, 'GET', '/db')).text), [{ name: 'metrics' }]);
  t.deepEqual(await post(server, '/cluster/database_configs/metrics', {}), { status: 400, text: 'database metrics exists' });
});
