/**
 * Debian's python3-influxdb (its `influxdb08` module, the InfluxDB 0.8 client), unchanged
 * against a spawned server: test/clients/influxdb08_client.py makes the client's own calls —
 * databases, cluster admins, database users and admins, writes at every precision, queries,
 * chunked queries, series deletes, continuous queries — and prints each call's outcome, which
 * must be exactly what the client gets from InfluxDB 0.8.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { cleanupServers, repoRoot, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const run = promisify(execFile);
/** Debian's interpreter: the package installs into its dist-packages, not another python3 on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'test', 'clients', 'influxdb08_client.py');
const INSTALL_HINT = 'python3-influxdb is missing: run the apt-get line of .ci/run (apt-get install -y python3-influxdb)';

type Outcome = { readonly step: string; readonly result: unknown } | { readonly step: string; readonly error: unknown };

const T0 = 1_400_000_000;

const USER = { readPermissions: [{ matcher: '.*' }], writePermissions: [{ matcher: '.*' }] };

const expected: Outcome[] = [
  { step: 'get_list_database_empty', result: [] },
  { step: 'create_database', result: true },
  { step: 'create_database_again', error: { status: 409, content: 'database py_clients exists' } },
  { step: 'create_second_database', result: true },
  { step: 'get_list_database', result: [{ name: 'py_clients' }, { name: 'py_scratch' }] },
  { step: 'delete_database', result: true },
  { step: 'get_list_database_after_delete', result: [{ name: 'py_clients' }] },

  { step: 'add_cluster_admin', result: true },
  { step: 'get_list_cluster_admins', result: ['ops', 'root'] },
  { step: 'update_cluster_admin_password', result: true },
  { step: 'cluster_admin_new_password_works', result: [{ name: 'py_clients' }] },
  { step: 'delete_cluster_admin', result: true },
  { step: 'cluster_admins_after_delete', result: ['root'] },

  { step: 'add_database_user', result: true },
  { step: 'add_database_user_with_permissions', result: true },
  {
    step: 'get_database_users',
    result: [
      { name: 'alice', isAdmin: false, writeTo: '.*', readFrom: '.*', ...USER },
      {
        name: 'bob',
        isAdmin: false,
        writeTo: '^bob\\.',
        readFrom: '^bob\\.',
        readPermissions: [{ matcher: '^bob\\.' }],
        writePermissions: [{ matcher: '^bob\\.' }],
      },
    ],
  },
  { step: 'update_database_user_password', result: true },
  { step: 'user_new_password_works', result: true },
  { step: 'user_changes_own_password', result: true },
  { step: 'user_own_new_password_works', result: [1] },
  { step: 'alter_database_user_permissions', result: true },
  { step: 'set_database_admin', result: true },
  {
    step: 'users_after_set_admin',
    result: [
      ['alice', true, '.*', '.*'],
      ['bob', false, '^shared\\.', '^bob\\.'],
    ],
  },
  { step: 'database_admin_lists_users', result: ['alice', 'bob'] },
  { step: 'unset_database_admin', result: true },
  {
    step: 'users_after_unset_admin',
    result: [
      ['alice', false],
      ['bob', false],
    ],
  },
  { step: 'delete_database_user', result: true },
  { step: 'users_after_delete', result: ['alice'] },

  { step: 'write_points_s', result: true },
  { step: 'write_points_ms', result: true },
  { step: 'write_points_m', result: true },
  { step: 'write_points_u', result: true },
  { step: 'write_points_many', result: true },
  { step: 'write_points_batch_size', result: true },
  { step: 'write_points_with_precision', result: true },
  { step: 'series_helper_commit', result: true },

  {
    step: 'query_s',
    result: [
      {
        name: 'cpu',
        columns: ['time', 'host', 'value'],
        points: [
          [T0 + 4, 'e', 4.5],
          [T0 + 3, 'd', 3.5],
          [T0 + 2, 'c', 2.5],
          [T0 + 1, 'b', 1.5],
          [T0, 'a', 0.5],
        ],
      },
    ],
  },
  {
    step: 'query_ms',
    result: [
      {
        name: 'cpu',
        columns: ['time', 'value'],
        points: [
          [(T0 + 2) * 1000 + 250, 2.5],
          [(T0 + 1) * 1000, 1.5],
          [T0 * 1000, 0.5],
        ],
      },
    ],
  },
  {
    step: 'query_u',
    result: [
      {
        name: 'cpu',
        columns: ['time', 'value'],
        points: [
          [(T0 + 4) * 1_000_000 + 7, 4.5],
          [(T0 + 3) * 1_000_000, 3.5],
          [(T0 + 2) * 1_000_000 + 250_000, 2.5],
          [(T0 + 1) * 1_000_000, 1.5],
          [T0 * 1_000_000, 0.5],
        ],
      },
    ],
  },
  { step: 'query_aggregate', result: [{ name: 'mem', columns: ['time', 'count', 'sum'], points: [[0, 5, 10]] }] },
  {
    step: 'query_chunked',
    result: [{ name: 'mem', columns: ['time', 'used'], points: [4, 3, 2, 1, 0].map((i) => [T0 + i, i]) }],
  },
  { step: 'query_chunked_many', result: { several_chunks: true, names: ['many'], all_points_in_order: true } },
  { step: 'query_chunked_regex', result: ['cpu', 'disk'] },
  { step: 'query_events', result: [['events.login', [[4, 'login'], [3, 'login']]]] },
  { step: 'get_list_series', result: ['alice_series', 'cpu', 'disk', 'events.login', 'many', 'mem'] },

  { step: 'delete_series', result: true },
  { step: 'delete_points', result: true },
  { step: 'series_after_deletes', result: ['cpu', 'events.login', 'many', 'mem'] },

  { step: 'create_continuous_query', result: [] },
  { step: 'create_grouped_continuous_query', result: [] },
  { step: 'get_list_continuous_queries', result: ['select * from cpu into cpu.copy', 'select mean(value) from cpu group by time(1m) into cpu.1m'] },
  { step: 'drop_continuous_query', result: [] },
  { step: 'continuous_queries_after_drop', result: ['select mean(value) from cpu group by time(1m) into cpu.1m'] },

  { step: 'delete_last_database', result: true },
  { step: 'get_list_database_at_end', result: [] },
];

test('python3-influxdb (influxdb08) runs its own calls against the server as against InfluxDB 0.8', async (t) => {
  try {
    await run(PYTHON, ['-c', 'import influxdb.influxdb08']);
  } catch (err) {
    t.fail(`${INSTALL_HINT}\n${(err as Error).message}`);
    return;
  }
  const server = await startServer();
  const { stdout } = await run(PYTHON, [SCRIPT, String(server.port)], { timeout: 60_000 });
  const { steps } = JSON.parse(stdout) as { steps: Outcome[] };
  // `write` posts the 0.9 JSON body to /write, which 0.8 never had: refused, whether or not the
  // server has a /write of its own (line protocol takes other parameters and another body).
  const v09 = steps.find((outcome) => outcome.step === 'write_v09_endpoint');
  t.true(v09 !== undefined && 'error' in v09 && [400, 404].includes((v09.error as { status: number }).status), JSON.stringify(v09));
  t.deepEqual(
    steps.filter((outcome) => outcome !== v09),
    expected,
  );
});
