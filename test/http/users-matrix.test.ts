/**
 * Who may call what (security.md §4, §6; http-api.md §2.2, §3): every account endpoint, every
 * data endpoint and the cluster endpoints, each called as no one, with a wrong password, as a
 * user of another database, as a database user, as a database admin and as a cluster admin,
 * checking status and body of every cell.
 */
import test from 'ava';
import { createDb, request, type Credentials, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

const IDENTITIES = ['none', 'wrong', 'otherDb', 'user', 'admin', 'cluster'] as const;
type Identity = (typeof IDENTITIES)[number];

const CREDENTIALS: Record<Identity, Credentials | null> = {
  none: null,
  wrong: { u: 'root', p: 'wrong' },
  otherDb: { u: 'other', p: 'otherpass' },
  user: { u: 'dbuser', p: 'userpass' },
  admin: { u: 'dbadmin', p: 'adminpass' },
  cluster: { u: 'root', p: 'root' },
};

const NO_CREDENTIALS = { status: 401, text: 'Invalid database/username/password' };
const WRONG_CREDENTIALS = { status: 401, text: 'Invalid username/password' };

/** An expected answer: exact status, and exact body unless only the status is checked. */
interface Expected {
  readonly status: number;
  readonly text?: string;
}

/** Credential mode and rights of an endpoint, as http-api.md §3 lists them. */
type Mode = { kind: 'cluster-admin' } | { kind: 'database-admin'; forbidden: string } | { kind: 'database-user' } | { kind: 'authenticate-user' };

interface Endpoint {
  readonly method: string;
  readonly path: (who: Identity) => string;
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: (who: Identity) => string;
  /** Run as root before each call: the object the call acts on exists. */
  readonly prepare?: (who: Identity) => Promise<unknown>;
  readonly mode: Mode;
  readonly success: Expected;
}

function expected(endpoint: Endpoint, who: Identity): Expected {
  if (who === 'none') return NO_CREDENTIALS;
  if (who === 'wrong' || who === 'otherDb') return WRONG_CREDENTIALS;
  switch (endpoint.mode.kind) {
    case 'cluster-admin':
      return who === 'cluster' ? endpoint.success : WRONG_CREDENTIALS;
    case 'authenticate-user':
      return who === 'cluster' ? WRONG_CREDENTIALS : endpoint.success;
    case 'database-user':
      return endpoint.success;
    case 'database-admin':
      return who === 'user' ? { status: 403, text: endpoint.mode.forbidden } : endpoint.success;
  }
}

const asRoot = (method: string, path: string, body?: string): Promise<HttpResult> => request(server, method, path, body === undefined ? {} : { body });
const ensureUser = (db: string, name: string, admin = false) => () => asRoot('POST', `/db/${db}/users`, JSON.stringify({ name, password: 'pass1', isAdmin: admin }));
const ensureAdmin = (name: string) => asRoot('POST', '/cluster_admins', JSON.stringify({ name, password: 'pass1' }));

/** Ids are never reused: each caller deletes the one made for it. */
let lastScheduledDelete = 0;

const CA: Mode = { kind: 'cluster-admin' };
const DA = (forbidden: string): Mode => ({ kind: 'database-admin', forbidden });
const OK = { status: 200, text: '' };

const ENDPOINTS: Record<string, Endpoint> = {
  'GET /db': { method: 'GET', path: () => '/db', mode: CA, success: { status: 200 } },
  'POST /db': { method: 'POST', path: () => '/db', body: (w) => JSON.stringify({ name: `made-${w}` }), mode: CA, success: { status: 201, text: '' } },
  'DELETE /db/:name': { method: 'DELETE', path: (w) => `/db/doomed-${w}`, prepare: (w) => createDb(server, `doomed-${w}`).catch(() => undefined), mode: CA, success: { status: 204, text: '' } },
  'GET /cluster_admins': { method: 'GET', path: () => '/cluster_admins', mode: CA, success: { status: 200 } },
  'GET /cluster_admins/authenticate': { method: 'GET', path: () => '/cluster_admins/authenticate', mode: CA, success: OK },
  'POST /cluster_admins': { method: 'POST', path: () => '/cluster_admins', body: (w) => JSON.stringify({ username: `ca-${w}`, password: 'pass1' }), mode: CA, success: OK },
  'POST /cluster_admins/:user': { method: 'POST', path: () => '/cluster_admins/spare', prepare: () => ensureAdmin('spare'), body: () => '{"password":"pass2"}', mode: CA, success: OK },
  'DELETE /cluster_admins/:user': { method: 'DELETE', path: (w) => `/cluster_admins/gone-${w}`, prepare: (w) => ensureAdmin(`gone-${w}`), mode: CA, success: OK },
  'GET /sync': { method: 'GET', path: () => '/sync', mode: CA, success: { status: 200, text: 'true' } },
  'POST /raft/force_compaction': { method: 'POST', path: () => '/raft/force_compaction', mode: CA, success: { status: 200, text: 'OK' } },
  'GET /cluster/servers': { method: 'GET', path: () => '/cluster/servers', mode: CA, success: { status: 200 } },
  'DELETE /cluster/servers/:id': { method: 'DELETE', path: () => '/cluster/servers/1', mode: CA, success: OK },
  'GET /cluster/shards': { method: 'GET', path: () => '/cluster/shards', mode: CA, success: { status: 200, text: '[]' } },
  'POST /cluster/shards': { method: 'POST', path: () => '/cluster/shards', body: () => '{}', mode: CA, success: { status: 202, text: '' } },
  'DELETE /cluster/shards/:id': { method: 'DELETE', path: () => '/cluster/shards/1', mode: CA, success: { status: 202, text: '' } },
  'GET /cluster/shard_spaces': { method: 'GET', path: () => '/cluster/shard_spaces', mode: CA, success: { status: 200 } },
  'POST /cluster/shard_spaces/:db': { method: 'POST', path: () => '/cluster/shard_spaces/db1', body: () => '{"name":"s","regex":"/.*/"}', mode: CA, success: OK },
  'POST /cluster/shard_spaces/:db/:name': { method: 'POST', path: () => '/cluster/shard_spaces/db1/default', body: () => '{"regex":"/.*/","retentionPolicy":"30d"}', mode: CA, success: OK },
  'DELETE /cluster/shard_spaces/:db/:name': { method: 'DELETE', path: () => '/cluster/shard_spaces/db1/s', mode: CA, success: OK },
  'POST /cluster/database_configs/:db': { method: 'POST', path: (w) => `/cluster/database_configs/cfg-${w}`, body: () => '{"spaces":[]}', mode: CA, success: { status: 201, text: '' } },
  'POST /cluster/migrate_data': { method: 'POST', path: () => '/cluster/migrate_data', mode: CA, success: { status: 202, text: '' } },

  'GET /db/:db/authenticate': { method: 'GET', path: () => '/db/db1/authenticate', mode: { kind: 'authenticate-user' }, success: OK },
  'POST /db/:db/series': {
    method: 'POST',
    path: () => '/db/db1/series',
    body: () => '[{"name":"cpu","columns":["value"],"points":[[1]]}]',
    mode: { kind: 'database-user' },
    success: OK,
  },
  'GET /db/:db/series select': { method: 'GET', path: () => '/db/db1/series', params: { q: 'select * from cpu where value < 0' }, mode: { kind: 'database-user' }, success: { status: 200, text: '[]' } },
  'GET /db/:db/series list series': { method: 'GET', path: () => '/db/db1/series', params: { q: 'list series /^nothing/' }, mode: { kind: 'database-user' }, success: { status: 200 } },

  'GET /db/:db/users': { method: 'GET', path: () => '/db/db1/users', mode: DA('Insufficient permissions to list db users on db1'), success: { status: 200 } },
  'POST /db/:db/users': {
    method: 'POST',
    path: () => '/db/db1/users',
    body: (w) => JSON.stringify({ name: `new-${w}`, password: 'pass1' }),
    mode: DA('Insufficient permissions to create db user on db1'),
    success: OK,
  },
  'GET /db/:db/users/:user': { method: 'GET', path: () => '/db/db1/users/target', prepare: ensureUser('db1', 'target'), mode: DA('Insufficient permissions to get db user on db1'), success: { status: 200 } },
  'POST /db/:db/users/:user password': {
    method: 'POST',
    path: () => '/db/db1/users/target',
    prepare: ensureUser('db1', 'target'),
    body: () => '{"password":"pass2"}',
    mode: DA('Insufficient permissions to change db user password for target on db1'),
    success: OK,
  },
  'POST /db/:db/users/:user permissions': {
    method: 'POST',
    path: () => '/db/db1/users/target',
    prepare: ensureUser('db1', 'target'),
    body: () => '{"readFrom":"^cpu$","writeTo":"^cpu$"}',
    mode: DA('Insufficient permissions to change db user permissions on db1'),
    success: OK,
  },
  'POST /db/:db/users/:user admin': {
    method: 'POST',
    path: () => '/db/db1/users/target',
    prepare: ensureUser('db1', 'target'),
    body: () => '{"admin":false}',
    mode: DA('Insufficient permissions to grant db user admin privileges on db1'),
    success: OK,
  },
  'DELETE /db/:db/users/:user': {
    method: 'DELETE',
    path: (w) => `/db/db1/users/leaving-${w}`,
    prepare: (w) => ensureUser('db1', `leaving-${w}`)(),
    mode: DA('Insufficient permissions to delete db user on db1'),
    success: OK,
  },
  'GET /db/:db/admins': { method: 'GET', path: () => '/db/db1/admins', mode: DA('Insufficient permissions to list db users on db1'), success: { status: 200 } },
  'POST /db/:db/admins': {
    method: 'POST',
    path: () => '/db/db1/admins',
    body: (w) => JSON.stringify({ username: `newadmin-${w}`, password: 'pass1' }),
    mode: DA('Insufficient permissions to create db user on db1'),
    success: OK,
  },
  'POST /db/:db/admins/:user': {
    method: 'POST',
    path: () => '/db/db1/admins/boss',
    prepare: ensureUser('db1', 'boss', true),
    body: () => '{"password":"pass2"}',
    mode: DA('Insufficient permissions to change db user password for boss on db1'),
    success: OK,
  },
  'DELETE /db/:db/admins/:user': {
    method: 'DELETE',
    path: (w) => `/db/db1/admins/exboss-${w}`,
    prepare: (w) => ensureUser('db1', `exboss-${w}`, true)(),
    mode: DA('Insufficient permissions to delete db user on db1'),
    success: OK,
  },
  'DELETE /db/:db/series': {
    method: 'DELETE',
    path: () => '/db/db1/series',
    params: { name: 'scratch' },
    mode: DA('Insufficient permission to write to db1'),
    success: { status: 204, text: '' },
  },
  'DELETE /db/:db/series/:series': {
    method: 'DELETE',
    path: () => '/db/db1/series/scratch',
    mode: DA('Insufficient permissions to drop series'),
    success: { status: 204, text: '' },
  },
  'GET /db/:db/scheduled_deletes': {
    method: 'GET',
    path: () => '/db/db1/scheduled_deletes',
    mode: DA('Insufficient permissions to manage scheduled deletes'),
    success: { status: 200 },
  },
  'POST /db/:db/scheduled_deletes': {
    method: 'POST',
    path: () => '/db/db1/scheduled_deletes',
    body: () => JSON.stringify({ regex: '^scratch$', olderThan: '14d', runAt: 3 }),
    mode: DA('Insufficient permissions to manage scheduled deletes'),
    success: { status: 201 },
  },
  'DELETE /db/:db/scheduled_deletes/:id': {
    method: 'DELETE',
    path: () => `/db/db1/scheduled_deletes/${lastScheduledDelete}`,
    prepare: async () => {
      const created = await asRoot('POST', '/db/db1/scheduled_deletes', JSON.stringify({ regex: '^scratch$', olderThan: '14d', runAt: 3 }));
      lastScheduledDelete = (JSON.parse(created.text) as { id: number }).id;
    },
    mode: DA('Insufficient permissions to manage scheduled deletes'),
    success: { status: 204, text: '' },
  },
  'GET /db/:db/continuous_queries': {
    method: 'GET',
    path: () => '/db/db1/continuous_queries',
    mode: DA('Insufficient permissions to list continuous queries'),
    success: { status: 200 },
  },
  'POST /db/:db/continuous_queries': {
    method: 'POST',
    path: () => '/db/db1/continuous_queries',
    body: () => JSON.stringify({ query: 'select * from scratch into scratch.copy' }),
    mode: DA('Insufficient permissions to create continuous query'),
    success: OK,
  },
  'DELETE /db/:db/continuous_queries/:id': {
    method: 'DELETE',
    path: () => '/db/db1/continuous_queries/1',
    mode: DA('Insufficient permissions to delete continuous query'),
    success: OK,
  },
};

/**
 * Statements only admins may run (http-api.md §5.5). They name `scratch`, a series no other
 * test reads: for admins they run, and tests of this file run concurrently.
 */
const ADMIN_STATEMENTS: Record<string, string> = {
  'delete from scratch': 'Insufficient permission to write to db1',
  'drop series scratch': 'Insufficient permissions to drop series',
  'select * from scratch into scratch.copy': 'Insufficient permissions to create continuous query',
  'list continuous queries': 'Insufficient permissions to list continuous queries',
  'drop continuous query 1': 'Insufficient permissions to delete continuous query',
};

test.before(async () => {
  server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
  await createDb(server, 'db1');
  await createDb(server, 'db2');
  await asRoot('POST', '/db/db1/series', '[{"name":"cpu","columns":["value"],"points":[[1]]}]');
  const users: [string, string, string, boolean][] = [
    ['db1', 'dbuser', 'userpass', false],
    ['db1', 'dbadmin', 'adminpass', true],
    ['db2', 'other', 'otherpass', false],
  ];
  for (const [db, name, password, isAdmin] of users) {
    const created = await asRoot('POST', `/db/${db}/users`, JSON.stringify({ name, password, isAdmin }));
    if (created.status !== 200) throw new Error(`creating ${name}: ${created.status} ${created.text}`);
  }
});

test.after.always(cleanupServers);

for (const [label, endpoint] of Object.entries(ENDPOINTS)) {
  test(`${label}: status and body for every kind of caller`, async (t) => {
    for (const who of IDENTITIES) {
      await endpoint.prepare?.(who);
      const result = await request(server, endpoint.method, endpoint.path(who), {
        auth: CREDENTIALS[who],
        ...(endpoint.params ? { params: endpoint.params } : {}),
        ...(endpoint.body ? { body: endpoint.body(who) } : {}),
      });
      const want = expected(endpoint, who);
      t.is(result.status, want.status, `${who}: ${result.text}`);
      if (want.text !== undefined) t.is(result.text, want.text, who);
      if (want.status === 401) t.is(result.headers.get('www-authenticate'), 'Basic realm="influxdb"', who);
    }
  });
}

for (const [statement, forbidden] of Object.entries(ADMIN_STATEMENTS)) {
  test(`"${statement}": 403 for a database user, never 401/403 for admins`, async (t) => {
    for (const who of IDENTITIES) {
      const result = await request(server, 'GET', '/db/db1/series', { auth: CREDENTIALS[who], params: { q: statement } });
      if (who === 'none') t.deepEqual({ status: result.status, text: result.text }, NO_CREDENTIALS);
      else if (who === 'wrong' || who === 'otherDb') t.deepEqual({ status: result.status, text: result.text }, WRONG_CREDENTIALS);
      else if (who === 'user') t.deepEqual({ status: result.status, text: result.text }, { status: 403, text: forbidden });
      else t.false([401, 403].includes(result.status), `${who}: ${result.status} ${result.text}`);
    }
  });
}

test('a database admin of one database has no rights in another', async (t) => {
  const asAdmin = { u: 'dbadmin', p: 'adminpass' };
  t.deepEqual(await statusAndText(request(server, 'GET', '/db/db2/users', { auth: asAdmin })), WRONG_CREDENTIALS);
  t.deepEqual(await statusAndText(request(server, 'GET', '/db/db2/authenticate', { auth: asAdmin })), WRONG_CREDENTIALS);
  t.deepEqual(await statusAndText(request(server, 'POST', '/db/db2/series', { auth: asAdmin, body: '[]' })), WRONG_CREDENTIALS);
});

test('a database user may change its own password, and only that', async (t) => {
  await asRoot('POST', '/db/db1/users', JSON.stringify({ name: 'self', password: 'selfpass' }));
  const self = { u: 'self', p: 'selfpass' };
  t.deepEqual(await statusAndText(request(server, 'POST', '/db/db1/users/self', { auth: self, body: '{"password":"selfpass2","admin":true}' })), {
    status: 403,
    text: 'Insufficient permissions to grant db user admin privileges on db1',
  });
  // Nothing of a refused update was applied: the old password still works.
  t.is((await request(server, 'GET', '/db/db1/authenticate', { auth: self })).status, 200);
  t.deepEqual(await statusAndText(request(server, 'POST', '/db/db1/users/self', { auth: self, body: '{"password":"selfpass2"}' })), OK);
  t.deepEqual(await statusAndText(request(server, 'GET', '/db/db1/authenticate', { auth: self })), WRONG_CREDENTIALS);
  t.is((await request(server, 'GET', '/db/db1/authenticate', { auth: { u: 'self', p: 'selfpass2' } })).status, 200);
});

async function statusAndText(response: Promise<HttpResult>): Promise<{ status: number; text: string }> {
  const { status, text } = await response;
  return { status, text };
}
