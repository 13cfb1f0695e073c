/**
 * Series permissions (security.md §5–§6): write permissions and valueRestrictions refuse a
 * whole request and store nothing of it; unreadable series answer like series that do not
 * exist; admins bypass series permissions; a deleted user loses access at once, also in the
 * middle of a chunked export.
 */
import test from 'ava';
import { createDb, request, streamQuery, type Credentials, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
});

test.after.always(cleanupServers);

async function statusAndText(response: Promise<HttpResult>): Promise<{ status: number; text: string }> {
  const { status, text } = await response;
  return { status, text };
}

async function addUser(db: string, user: Record<string, unknown>): Promise<Credentials> {
  const created = await request(server, 'POST', `/db/${db}/users`, { body: JSON.stringify({ password: 'secret1', ...user }) });
  if (created.status !== 200) throw new Error(created.text);
  return { u: user.name as string, p: 'secret1' };
}

const write = (db: string, auth: Credentials, body: unknown) => statusAndText(request(server, 'POST', `/db/${db}/series`, { auth, body: JSON.stringify(body) }));
const select = (db: string, q: string, auth?: Credentials) => statusAndText(request(server, 'GET', `/db/${db}/series`, { params: { q }, ...(auth ? { auth } : {}) }));

test('valueRestrictions: a point without the required value refuses the whole request, and nothing of it is stored', async (t) => {
  await createDb(server, 'vr');
  const writer = await addUser('vr', {
    name: 'writer',
    writePermissions: [{ name: 'customer_events', valueRestrictions: { customer_id: 3, region: 'eu' } }, { matcher: '^log' }],
  });
  const good = { name: 'customer_events', columns: ['customer_id', 'region', 'v'], points: [[3, 'eu', 1]] };
  const refusal = { status: 403, text: "User writer doesn't have write permissions for customer_events" };
  const bad: unknown[][] = [
    [[4, 'eu', 1]],
    [[3, 'us', 1]],
    [[3, null, 1]],
    [
      [3, 'eu', 1],
      [3, 'eu', 2],
      [5, 'eu', 3],
    ],
  ];
  for (const points of bad) {
    t.deepEqual(await write('vr', writer, [{ name: 'log', columns: ['m'], points: [['x']] }, { ...good, points }]), refusal, JSON.stringify(points));
  }
  t.deepEqual(await write('vr', writer, [{ name: 'customer_events', columns: ['customer_id', 'v'], points: [[3, 1]] }]), refusal, 'a restricted column missing');
  t.deepEqual(await write('vr', writer, [{ name: 'elsewhere', columns: ['v'], points: [[1]] }]), { status: 403, text: "User writer doesn't have write permissions for elsewhere" });
  t.deepEqual(JSON.parse((await select('vr', 'list series')).text)[0].points, [], 'nothing of a refused request was stored');
  // 3.0 equals 3 (numbers compare numerically).
  t.deepEqual(await write('vr', writer, [good, { ...good, points: [[3.0, 'eu', 2]] }, { name: 'log', columns: ['m'], points: [['x']] }]), { status: 200, text: '' });
  t.deepEqual(JSON.parse((await select('vr', 'list series')).text)[0].points, [
    [0, 'customer_events'],
    [0, 'log'],
  ]);
});

test('0.8 readFrom/writeTo: a user limited to ^$ can neither write nor read; an admin ignores its lists', async (t) => {
  await createDb(server, 'legacy');
  await write('legacy', { u: 'root', p: 'root' }, [{ name: 'cpu', columns: ['v'], points: [[1]] }]);
  const none = await addUser('legacy', { name: 'none', readFrom: '^$', writeTo: '^$' });
  const boss = await addUser('legacy', { name: 'boss', readPermissions: [], writePermissions: [], admin: true });
  t.deepEqual(await write('legacy', none, [{ name: 'cpu', columns: ['v'], points: [[2]] }]), { status: 403, text: "User none doesn't have write permissions for cpu" });
  t.deepEqual(await select('legacy', 'select * from cpu', none), { status: 400, text: "User doesn't have read access to cpu" });
  t.deepEqual(await write('legacy', boss, [{ name: 'cpu', columns: ['v'], points: [[3]] }]), { status: 200, text: '' });
  t.is((await select('legacy', 'select v from cpu', boss)).status, 200);
  t.is(JSON.parse((await select('legacy', 'select v from cpu', boss)).text)[0].points.length, 2);
});

test('an unreadable series answers as one that does not exist, in every select form and in list series', async (t) => {
  await createDb(server, 'hidden');
  await write('hidden', { u: 'root', p: 'root' }, [
    { name: 'public', columns: ['v'], points: [[1]] },
    { name: 'secret', columns: ['v'], points: [[2]] },
  ]);
  const reader = await addUser('hidden', { name: 'reader', readPermissions: [{ name: 'public' }] });
  const denied = (series: string) => ({ status: 400, text: `User doesn't have read access to ${series}` });
  // Named: the same 400 whether the series exists or not.
  t.deepEqual(await select('hidden', 'select * from secret', reader), denied('secret'));
  t.deepEqual(await select('hidden', 'select * from missing', reader), denied('missing'));
  t.deepEqual(await select('hidden', 'select count(v) from public, secret', reader), denied('secret'));
  t.deepEqual(await select('hidden', 'select * from public merge secret', reader), denied('secret'));
  t.deepEqual(await select('hidden', 'select * from public as a inner join secret as b', reader), denied('secret'));
  // Regexes skip it; matching only it is matching nothing.
  t.deepEqual(JSON.parse((await select('hidden', 'select * from /.*/', reader)).text).map((s: { name: string }) => s.name), ['public']);
  t.deepEqual(await select('hidden', 'select * from /^sec/', reader), await select('hidden', 'select * from /^nothing/'));
  t.deepEqual(JSON.parse((await select('hidden', 'list series', reader)).text)[0].points, [[0, 'public']]);
});

test('deleting a user ends its access at once, also an open chunked export', async (t) => {
  await createDb(server, 'export');
  const total = 300_000;
  const batch = 50_000;
  for (let start = 0; start < total; start += batch) {
    const points = Array.from({ length: batch }, (_, i) => [1_400_000_000_000 + start + i, start + i]);
    const result = await request(server, 'POST', '/db/export/series', { params: { time_precision: 'm' }, body: JSON.stringify([{ name: 'big', columns: ['time', 'v'], points }]) });
    if (result.status !== 200) throw new Error(result.text);
  }
  const leaver = await addUser('export', { name: 'leaver' });
  const streamed = await streamQuery(server, 'export', 'select v from big', { u: leaver.u, p: leaver.p });
  t.is(streamed.status, 200);
  let received = 0;
  const objects = streamed.objects[Symbol.asyncIterator]();
  const first = await objects.next();
  received += first.done ? 0 : first.value.points.length;
  t.deepEqual(await statusAndText(request(server, 'DELETE', '/db/export/users/leaver')), { status: 200, text: '' });
  t.deepEqual(await select('export', 'select count(v) from big', leaver), { status: 401, text: 'Invalid username/password' });
  try {
    for (let next = await objects.next(); !next.done; next = await objects.next()) received += next.value.points.length;
  } catch {
    // The server closed the connection mid-stream: that is the point.
  }
  t.true(received < total, `received ${received} of ${total} points after the user was deleted`);
});

test('a whereClause reader sees only the columns its points carry: no name of another customer column', async (t) => {
  await createDb(server, 'cols');
  await write('cols', { u: 'root', p: 'root' }, [
    { name: 'events', columns: ['time', 'customer', 'v'], points: [[1000, 3, 1]] },
    { name: 'events', columns: ['time', 'customer', 'v', 'secret_plan'], points: [[2000, 4, 2, 'acquire']] },
  ]);
  const reader = await addUser('cols', { name: 'c3', readPermissions: [{ name: 'events', whereClause: 'where customer = 3' }] });
  t.deepEqual(JSON.parse((await select('cols', 'select * from events', reader)).text)[0].columns, ['time', 'sequence_number', 'customer', 'v']);
  const unknownField = { status: 400, text: "Field secret_plan doesn't exist in series events" };
  t.deepEqual(await select('cols', 'select secret_plan from events', reader), unknownField);
  t.deepEqual(await select('cols', 'select count(secret_plan) from events', reader), unknownField);
  t.deepEqual(JSON.parse((await select('cols', 'select * from events', { u: 'root', p: 'root' })).text)[0].columns, ['time', 'sequence_number', 'customer', 'v', 'secret_plan']);
  // Once one of its own points carries the column, the reader sees it.
  await write('cols', { u: 'root', p: 'root' }, [{ name: 'events', columns: ['time', 'customer', 'secret_plan'], points: [[3000, 3, 'mine']] }]);
  t.deepEqual(JSON.parse((await select('cols', 'select * from events', reader)).text)[0].columns, ['time', 'sequence_number', 'customer', 'v', 'secret_plan']);
});
