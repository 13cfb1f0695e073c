import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../src/config.js';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sluice-config-')), 'sluice.toml');
  writeFileSync(path, text);
  return path;
}

test('defaults serve on 8086 from ./data with an fsync on every write', (t) => {
  const settings = loadSettings([], {});
  t.is(settings.port, 8086);
  t.is(settings.dataDir, './data');
  t.is(settings.walFsync, 'always');
});

test('the shard count stays unset unless given, so a data directory can keep its own', (t) => {
  t.is(loadSettings([], {}).shards, undefined);
  t.is(loadSettings(['--shards', '2'], {}).shards, 2);
  t.is(loadSettings([], { SLUICE_SHARDS: '5' }).shards, 5);
});

test('flags override environment, which overrides the config file', (t) => {
  const path = configFile('port = 7000\ndata_dir = "/from/file"\nshards = 3\nmemtable_size = "16MiB"\n');
  const settings = loadSettings(['--config', path, '--port', '9000'], { SLUICE_PORT: '8000', SLUICE_DATA_DIR: '/from/env' });
  t.is(settings.port, 9000);
  t.is(settings.dataDir, '/from/env');
  t.is(settings.shards, 3);
  t.is(settings.memtableBytes, 16 * 1024 * 1024);
});

test('bad values are refused with the setting named', (t) => {
  t.throws(() => loadSettings(['--port', 'eighty'], {}), { instanceOf: ConfigError, message: /--port/ });
  t.throws(() => loadSettings(['--wal-fsync', 'sometimes'], {}), { instanceOf: ConfigError, message: /always, interval or never/ });
  t.throws(() => loadSettings(['--config', configFile('colour = "blue"\n')], {}), { instanceOf: ConfigError, message: /unknown setting "colour"/ });
  t.throws(() => loadSettings(['--config', configFile('port = [\n')], {}), { instanceOf: ConfigError });
});

test('write queue bounds come from flags, the config file or the environment', (t) => {
  t.is(loadSettings([], {}).parseQueueBytes, 256 * 1024 * 1024);
  t.is(loadSettings([], {}).shardQueueBytes, 64 * 1024 * 1024);
  const path = configFile('parse_queue_size = "32MiB"\nshard_queue_size = "8MiB"\n');
  t.like(loadSettings(['--config', path], {}), { parseQueueBytes: 32 * 1024 * 1024, shardQueueBytes: 8 * 1024 * 1024 });
  t.like(loadSettings(['--shard-queue-bytes', '1MiB'], { SLUICE_PARSE_QUEUE_SIZE: '2MiB' }), {
    parseQueueBytes: 2 * 1024 * 1024,
    shardQueueBytes: 1024 * 1024,
  });
});

test('the budget for whole answers is 256 MiB unless a flag, the config file or the environment sets it', (t) => {
  t.is(loadSettings([], {}).wholeAnswerBytes, 256 * 1024 * 1024);
  t.is(loadSettings(['--whole-answer-bytes', '1MiB'], {}).wholeAnswerBytes, 1024 * 1024);
  t.is(loadSettings(['--config', configFile('whole_answers_size = "64MiB"\n')], {}).wholeAnswerBytes, 64 * 1024 * 1024);
  t.is(loadSettings([], { SLUICE_WHOLE_ANSWERS_SIZE: '2GiB' }).wholeAnswerBytes, 2 * 1024 * 1024 * 1024);
  t.throws(() => loadSettings(['--whole-answer-bytes', 'lots'], {}), { instanceOf: ConfigError, message: /--whole-answer-bytes/ });
});

test('the admin page listens on 8083 unless given a port, 0 for a free one, or off', (t) => {
  t.is(loadSettings([], {}).adminPort, 8083);
  t.is(loadSettings(['--admin-port', '0'], {}).adminPort, 0);
  t.is(loadSettings(['--admin-port', 'off'], {}).adminPort, 'off');
  t.is(loadSettings([], { SLUICE_ADMIN_PORT: 'off' }).adminPort, 'off');
  t.is(loadSettings(['--config', configFile('admin_port = 9083\n')], {}).adminPort, 9083);
  t.is(loadSettings(['--config', configFile('admin_port = "off"\n')], {}).adminPort, 'off');
  t.throws(() => loadSettings(['--admin-port', 'none'], {}), { instanceOf: ConfigError, message: /--admin-port: expected a port from 0 to 65535 or off, got none/ });
});

test('the Graphite and UDP inputs are off unless a port is given, and a port needs its database', (t) => {
  const defaults = loadSettings([], {});
  t.is(defaults.graphitePort, undefined);
  t.is(defaults.udpPort, undefined);
  const path = configFile('graphite_port = 2003\ngraphite_database = "graphite"\n');
  const fromFile = loadSettings(['--config', path, '--udp-port', '4444', '--udp-database', 'udp'], {});
  t.like(fromFile, { graphitePort: 2003, graphiteDatabase: 'graphite', udpPort: 4444, udpDatabase: 'udp' });
  t.is(loadSettings([], { SLUICE_GRAPHITE_PORT: '0', SLUICE_GRAPHITE_DATABASE: 'g' }).graphitePort, 0);
  t.throws(() => loadSettings(['--graphite-port', '2003'], {}), { instanceOf: ConfigError, message: 'graphite_port needs graphite_database' });
  t.throws(() => loadSettings(['--udp-port', '4444'], {}), { instanceOf: ConfigError, message: 'udp_port needs udp_database' });
  t.throws(() => loadSettings(['--udp-port', '70000', '--udp-database', 'u'], {}), { instanceOf: ConfigError, message: /--udp-port/ });
});

test('NATS credentials come from flags, the config file or the environment, and are refused when incomplete', (t) => {
  const nats = ['--cluster-nats', 'nats://10.0.0.1:4222'];
  const fromFile = loadSettings(['--config', configFile('cluster_nats = "nats://10.0.0.1:4222"\ncluster_nats_user = "sluice"\ncluster_nats_ca = "/etc/ca.pem"\n')], { SLUICE_CLUSTER_NATS_PASSWORD: 's3cret' });
  t.like(fromFile, { clusterNatsUser: 'sluice', clusterNatsPassword: 's3cret', clusterNatsCa: '/etc/ca.pem' });
  t.throws(() => loadSettings([...nats, '--cluster-nats-user', 'sluice'], {}), { instanceOf: ConfigError, message: /cluster_nats_user and cluster_nats_password go together/ });
  t.throws(() => loadSettings([...nats, '--cluster-nats-cert', '/c.pem'], {}), { instanceOf: ConfigError, message: /cluster_nats_cert and cluster_nats_key go together/ });
  t.throws(() => loadSettings(['--cluster-nats-ca', '/ca.pem'], {}), { instanceOf: ConfigError, message: /need cluster_nats/ });
});

test("a cluster write's deadline is 12 s unless a flag, the config file or the environment sets it, and is refused out of range", (t) => {
  t.is(loadSettings([], {}).clusterWriteDeadlineMs, 12_000);
  t.is(loadSettings(['--config', configFile('cluster_write_deadline_ms = 20000\n')], {}).clusterWriteDeadlineMs, 20_000);
  t.is(loadSettings(['--cluster-write-deadline-ms', '3000'], { SLUICE_CLUSTER_WRITE_DEADLINE_MS: '5000' }).clusterWriteDeadlineMs, 3_000);
  t.is(loadSettings([], { SLUICE_CLUSTER_WRITE_DEADLINE_MS: '5000' }).clusterWriteDeadlineMs, 5_000);
  t.throws(() => loadSettings(['--cluster-write-deadline-ms', '0'], {}), { instanceOf: ConfigError, message: /--cluster-write-deadline-ms/ });
});

test("the owner lag a cluster front end lets writes wait for is 500 ms unless set, 0 turns it off, and a negative one is refused", (t) => {
  t.is(loadSettings([], {}).clusterMaxOwnerLagMs, 500);
  t.is(loadSettings(['--config', configFile('cluster_max_owner_lag_ms = 2000\n')], {}).clusterMaxOwnerLagMs, 2_000);
  t.is(loadSettings(['--cluster-max-owner-lag-ms', '0'], { SLUICE_CLUSTER_MAX_OWNER_LAG_MS: '800' }).clusterMaxOwnerLagMs, 0);
  t.is(loadSettings([], { SLUICE_CLUSTER_MAX_OWNER_LAG_MS: '800' }).clusterMaxOwnerLagMs, 800);
  t.throws(() => loadSettings(['--cluster-max-owner-lag-ms', '-1'], {}), { instanceOf: ConfigError, message: /--cluster-max-owner-lag-ms/ });
});

test('a cluster node reports every 10 s unless set, and with interval fsyncs only less often than it syncs', (t) => {
  const nats = ['--cluster-nats', 'nats://10.0.0.1:4222'];
  t.is(loadSettings([], {}).clusterReportIntervalMs, 10_000);
  t.is(loadSettings([...nats, '--cluster-report-interval-ms', '1000'], {}).clusterReportIntervalMs, 1_000);
  t.is(loadSettings(['--config', configFile('cluster_report_interval_ms = 2000\n')], {}).clusterReportIntervalMs, 2_000);
  t.is(loadSettings([], { SLUICE_CLUSTER_REPORT_INTERVAL_MS: '3000' }).clusterReportIntervalMs, 3_000);
  t.throws(() => loadSettings([...nats, '--wal-fsync', 'interval', '--wal-fsync-interval-ms', '1000', '--cluster-report-interval-ms', '1000'], {}), {
    instanceOf: ConfigError,
    message: /cluster_report_interval_ms must be longer than wal_fsync_interval_ms/,
  });
  t.is(loadSettings(['--wal-fsync', 'interval', '--wal-fsync-interval-ms', '20000'], {}).clusterReportIntervalMs, 10_000, 'a single node does not report');
});
