/**
 * Cluster metadata in a NATS JetStream KV bucket: Sluice servers on one 3-node NATS cluster
 * share databases, accounts, permissions and continuous queries; racing changes of one name
 * have one winner; the metadata outlives a node's restart and one NATS node's death; with every
 * NATS node down, changes answer 503 within a bounded wait while reads keep answering.
 * Each test names its own cluster (`--cluster-name`), so each has a bucket of its own. The
 * tests that kill NATS nodes start NATS clusters of their own and run one at a time (ava runs
 * serial tests first), the others at once: on two cores, more servers at a time start too slowly.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { listDbs, request, sleep, type Credentials, type HttpResult } from '../helpers/client.js';
import { startNatsCluster, stopNatsClusters, streamLeader, TEST_LOG_LIMIT, type NatsCluster } from '../helpers/nats-cluster.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

/** The NATS cluster of the tests that leave it running. */
let shared: NatsCluster;

test.before(async () => {
  shared = await startNatsCluster(3);
});

test.after.always(async () => {
  await cleanupServers();
  await stopNatsClusters();
});

function node(cluster: string, id: string, options: { nats?: NatsCluster; dataDir?: string; args?: readonly string[] } = {}): Promise<TestServer> {
  const args = ['--cluster-nats', (options.nats ?? shared).urls, '--cluster-node-id', id, '--cluster-name', cluster, '--login-failure-delay-ms', '0', ...TEST_LOG_LIMIT, ...(options.args ?? [])];
  return startServer({ args, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
}

/** Polls until `check` holds: another node's change arrives through its watch, a moment later. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

/** Sends the change again while it answers 503 (a NATS leader being elected), as a client honouring Retry-After would. */
async function untilServed(send: () => Promise<HttpResult>, timeoutMs = 20_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await send();
    if (result.status !== 503 || Date.now() > deadline) return result;
    await sleep(Number(result.headers.get('retry-after') ?? 1) * 1000);
  }
}

/**
 * Creates a database through `server`, trying again while it answers 503, and resolves to
 * whether it was made: a 201, or a 409 to a retry after a 503 that said the change was sent
 * and may still be stored (NATS stored that first try once the bucket had a leader again).
 * Any other answer, or such a 409 without that 503 before it, is returned as it is.
 */
async function createdUntilServed(server: TestServer, name: string): Promise<string> {
  let mayHaveLanded = false;
  const result = await untilServed(async () => {
    const answer = await post(server, '/db', { name });
    if (answer.status === 503 && answer.text.includes('may still be stored')) mayHaveLanded = true;
    return answer;
  });
  if (result.status === 201 || (result.status === 409 && mayHaveLanded)) return 'made';
  return `${result.status} ${result.text}`;
}

const post = (server: TestServer, pathname: string, body: unknown, auth?: Credentials) =>
  request(server, 'POST', pathname, { body: JSON.stringify(body), ...(auth ? { auth } : {}) });
const status = async (result: Promise<HttpResult>) => (await result).status;

test('a fresh cluster has root/root; databases, accounts, permissions and CQs made on A are seen and enforced on B', async (t) => {
  const [a, b] = await Promise.all([node('shared', 'a'), node('shared', 'b')]);
  t.is(await status(request(b, 'GET', '/db')), 200, 'root/root on a fresh cluster');

  t.is(await status(post(a, '/db', { name: 'metrics' })), 201);
  await eventually('B lists the database', async () => (await listDbs(b)).includes('metrics'));

  const admin = { u: 'ops', p: 'ops-secret' };
  t.is(await status(request(b, 'GET', '/cluster_admins', { auth: admin })), 401, 'not an account yet');
  t.is(await status(post(a, '/cluster_admins', { name: admin.u, password: admin.p })), 200);
  await eventually('B authenticates the new cluster admin', async () => (await status(request(b, 'GET', '/cluster_admins', { auth: admin }))) === 200);

  const writer = { u: 'writer', p: 'writer-secret' };
  const refused = { name: 'elsewhere', columns: ['v'], points: [[1]] };
  t.is(await status(post(a, '/db/metrics/users', { name: writer.u, password: writer.p, writePermissions: [{ matcher: '^allowed' }] })), 200);
  await eventually('B knows the user and enforces its write permissions', async () => {
    const result = await post(b, '/db/metrics/series', [refused], writer);
    return result.status === 403 && result.text === "User writer doesn't have write permissions for elsewhere";
  });

  t.is(await status(post(a, '/db/metrics/continuous_queries', { query: 'select * from cpu into cpu.copy' })), 200);
  await eventually('B lists the continuous query', async () => (await request(b, 'GET', '/db/metrics/continuous_queries')).text.includes('cpu.copy'));

  t.is(await status(request(a, 'DELETE', `/cluster_admins/${admin.u}`)), 200);
  await eventually('B refuses the deleted cluster admin', async () => (await status(request(b, 'GET', '/cluster_admins', { auth: admin }))) === 401);
  t.is(await status(request(a, 'DELETE', '/db/metrics')), 204);
  await eventually('B no longer lists the dropped database', async () => !(await listDbs(b)).includes('metrics'));
  t.is(await status(post(b, '/db/metrics/series', [refused], writer)), 401, "the dropped database's users went with it");
});

test('racing creates of one database name on two nodes: exactly one wins', async (t) => {
  const [a, b] = await Promise.all([node('race', 'a'), node('race', 'b')]);
  for (let i = 0; i < 20; i++) {
    const name = `race${i}`;
    const answers = await Promise.all([post(a, '/db', { name }), post(b, '/db', { name })]);
    t.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409], `${name}: ${answers.map((answer) => answer.text).join(' | ')}`);
  }
  const expected = Array.from({ length: 20 }, (_, i) => `race${i}`).sort();
  t.deepEqual(await listDbs(a), expected);
  await eventually('B lists every database once', async () => JSON.stringify(await listDbs(b)) === JSON.stringify(expected));
});

test('a restarted node keeps the metadata from the bucket; root is made once, and --reset-root resets it for every node', async (t) => {
  const [a, b] = await Promise.all([node('restart', 'a'), node('restart', 'b')]);
  t.is(await status(post(a, '/db', { name: 'kept' })), 201);
  t.is(await status(post(a, '/cluster_admins/root', { password: 'changed' })), 200);
  const changed = { u: 'root', p: 'changed' };
  await eventually('B takes the changed password', async () => (await status(request(b, 'GET', '/db'))) === 401);
  t.is(await a.stop(), 0, 'a cluster node stops cleanly');

  const again = await node('restart', 'a', { dataDir: a.dataDir });
  t.is(await status(request(again, 'GET', '/db', { auth: changed })), 200, "root's changed password stands: root is not made again");
  t.is(await status(request(again, 'GET', '/db')), 401);
  t.true((await request(again, 'GET', '/db', { auth: changed })).text.includes('"kept"'));
  t.false(existsSync(path.join(a.dataDir, 'meta.json')), 'the metadata lives in the bucket, not in the data directory');
  await again.stop();

  const reset = await node('restart', 'a', { dataDir: a.dataDir, args: ['--reset-root'] });
  t.is(await status(request(reset, 'GET', '/db')), 200);
  await eventually('B takes the reset password', async () => (await status(request(b, 'GET', '/db'))) === 200);
});

test.serial('with the NATS node leading the bucket killed, metadata changes still work (R3 quorum)', async (t) => {
  const nats = await startNatsCluster(3);
  const [a, b] = await Promise.all([node('quorum', 'a', { nats }), node('quorum', 'b', { nats })]);
  t.is(await status(post(a, '/db', { name: 'before' })), 201);
  await (await streamLeader(nats, 'KV_quorum-meta')).kill9();
  t.is(await createdUntilServed(a, 'during'), 'made');
  t.is(await createdUntilServed(b, 'during2'), 'made');
  await eventually('each node sees the other', async () => (await listDbs(a)).includes('during2') && (await listDbs(b)).includes('during'), 10_000);
});

test.serial('with every NATS node down, a change answers 503 within the bounded wait and reads still answer', async (t) => {
  const nats = await startNatsCluster(3);
  const [a, b] = await Promise.all([node('outage', 'a', { nats }), node('outage', 'b', { nats })]);
  t.is(await status(post(a, '/db', { name: 'before' })), 201);
  await eventually('B lists the database', async () => (await listDbs(b)).includes('before'));
  await Promise.all(nats.nodes.map((n) => n.kill9()));

  const started = Date.now();
  const refused = await post(a, '/db', { name: 'during' });
  const waited = Date.now() - started;
  t.is(refused.status, 503, refused.text);
  t.is(refused.headers.get('retry-after'), '1');
  t.true(waited < 8_000, `answered after ${waited} ms`);
  t.deepEqual(await listDbs(a), ['before'], 'reads keep serving the last document');
  t.is(await status(request(b, 'GET', '/db')), 200, 'authentication keeps working');

  await Promise.all(nats.nodes.map((n) => n.start()));
  t.is(await status(untilServed(() => post(a, '/db', { name: 'after' }), 30_000)), 201);
  await eventually('B follows changes again once NATS is back', async () => (await listDbs(b)).includes('after'), 15_000);
});

test('a change that would make the metadata larger than a NATS message answers 507 and changes nothing', async (t) => {
  const a = await node('size', 'a');
  t.is(await status(post(a, '/db', { name: 'big' })), 201);
  const scheduled = { regex: 'a'.repeat(60_000), olderThan: '14d', runAt: 0 };
  let refused: HttpResult | undefined;
  for (let stored = 0; stored < 40 && !refused; stored++) {
    const result = await post(a, '/db/big/scheduled_deletes', scheduled);
    if (result.status !== 201) refused = result;
  }
  t.is(refused?.status, 507, refused?.text);
  t.regex(refused!.text, /cluster metadata would grow to \d+ bytes, past its limit of 1044480 bytes/);
  const listed = JSON.parse((await request(a, 'GET', '/db/big/scheduled_deletes')).text) as unknown[];
  t.is(listed.length, 17, 'every change before the refused one is kept, and nothing of it');
  t.is(await status(post(a, '/db', { name: 'small' })), 201, 'smaller changes still go through');
});
