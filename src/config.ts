import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { packageVersion } from './util/package-version.js';
import { MAX_SHARDS } from './storage/layout.js';
import type { WalFsyncPolicy } from './storage/wal.js';

export interface Settings {
  port: number;
  /** Port of the admin page and data explorer, or 'off' to serve none. */
  adminPort: number | 'off';
  bind: string;
  dataDir: string;
  /**
   * Number of shard actors; each owns a disjoint set of series. Undefined when not set: then the
   * data directory's recorded count applies, or defaultShardCount() for a fresh directory.
   */
  shards: number | undefined;
  walFsync: WalFsyncPolicy;
  /** With walFsync = interval: the longest a logged write waits for its fsync, in ms. */
  walFsyncIntervalMs: number;
  /** Per-shard memtable size that triggers a flush to an Arrow segment. */
  memtableBytes: number;
  /** Decoded segment blocks each shard keeps for queries. */
  blockCacheBytes: number;
  /** A shard whose memtable got no write for this long flushes it, so data at rest is compact. */
  flushIdleMs: number;
  /** Largest accepted write body; larger bodies get 413 without being read. */
  maxBodySize: number;
  /** Threads that parse write bodies into columnar batches. */
  parseThreads: number;
  /** Bytes of write bodies being received or waiting for a parse thread; past it writes get 503. */
  parseQueueBytes: number;
  /** Per shard: bytes of parsed write batches waiting for the shard; past it writes get 503. */
  shardQueueBytes: number;
  /** Bytes of whole (non-chunked) query answers being built or sent, together; past it queries get 503. */
  wholeAnswerBytes: number;
  /** Password given to the `root` cluster admin created on first start. */
  initialRootPassword: string;
  /** Reset root's password to initialRootPassword at start (recreating root if missing). */
  resetRoot: boolean;
  /** Longest wait imposed on a client before each credential check once it keeps failing; 0 = none. */
  loginFailureDelayMs: number;
  logLevel: string;
  /** Graphite plaintext over TCP on this port (0: a free one); off when undefined. */
  graphitePort: number | undefined;
  /** The database Graphite points go to; required with graphitePort. */
  graphiteDatabase: string | undefined;
  /** Graphite lines in UDP datagrams too, on the Graphite port's number (0.8's `udp_enabled`). */
  graphiteUdp: boolean;
  /** 0.8 JSON series bodies over UDP, one per datagram, on this port (0: a free one); off when undefined. */
  udpPort: number | undefined;
  /** The database UDP points go to; required with udpPort. */
  udpDatabase: string | undefined;
  /** NATS servers (comma-separated URLs): set, the node runs in cluster mode (src/cluster/). */
  clusterNats: string | undefined;
  /** This node's name in the cluster; unique per node. */
  clusterNodeId: string;
  /** Prefix of the cluster's streams and KV buckets, so several clusters can share NATS servers. */
  clusterName: string;
  /** Copies of each partition's log and of the metadata the NATS servers keep (1, 3 or 5). */
  clusterReplicas: number;
  /** Per partition: bytes the log may hold before writes get 503 (owners lag that far behind). */
  clusterLogBytes: number;
  /** A write the log has not taken within this long (no NATS quorum answers) gets 503 with Retry-After. */
  clusterWriteDeadlineMs: number;
  /**
   * How far (ms) the owners of a partition may fall behind the writes a front end acknowledged
   * before its next writes there wait (at most clusterWriteDeadlineMs, then 503): it bounds how
   * long an acknowledged point takes to be readable. 0 turns the wait off.
   */
  clusterMaxOwnerLagMs: number;
  /**
   * How often a node reports the stream positions it has stored, uploads its checkpoints and
   * purges the streams below what every owner stored. With wal_fsync = interval it must exceed
   * wal_fsync_interval_ms: a report gives the previous one's positions, synced by then.
   */
  clusterReportIntervalMs: number;
  /**
   * The ids of the nodes that store partitions, the same list on every node: partitions are
   * spread over them (assignment.ts). A node not in the list is a front end only. Unset: every
   * node stores every partition.
   */
  clusterNodes: string | undefined;
  /** With clusterNodes: how many nodes store each partition. */
  clusterCopies: number;
  /** NATS user and password, for servers that require them. */
  clusterNatsUser: string | undefined;
  clusterNatsPassword: string | undefined;
  /** PEM file of the CA that signed the NATS servers' certificates: set, the connection uses TLS. */
  clusterNatsCa: string | undefined;
  /** PEM files of this node's client certificate and key, for NATS servers that verify clients. */
  clusterNatsCert: string | undefined;
  clusterNatsKey: string | undefined;
}

const MiB = 1024 * 1024;

/** The shard count a fresh data directory gets when none is set: one shard actor per core. */
export function defaultShardCount(): number {
  // A write names its shards in a 32-bit mask (see storage/transactions.ts).
  return Math.min(availableParallelism(), MAX_SHARDS);
}

/**
 * Parse threads when none are set: two, or half the cores when that is more (one on a single
 * core). While one thread parses a body, the next waits for it: on 2 cores, with one parse
 * thread, the machine sat a sixth idle under 8 writers and the peer bench's ingest stalled
 * below 3 M points/s. A second thread costs its isolate (about 50 MiB of peak RSS while it
 * parses), which memtables that pack decimal values (packed-numbers.ts) more than paid for.
 */
export function defaultParseThreads(): number {
  const cores = availableParallelism();
  return Math.min(cores, Math.max(2, Math.floor(cores / 2)));
}

/** The nodes `cluster_nodes` lists, or undefined when it is unset (every node stores every partition). */
export function listedClusterNodes(settings: Pick<Settings, 'clusterNodes'>): string[] | undefined {
  return settings.clusterNodes?.split(',');
}

/** Whether this node stores partitions: not in cluster mode, or listed in `cluster_nodes` (or no list). */
export function storesData(settings: Pick<Settings, 'clusterNats' | 'clusterNodes' | 'clusterNodeId'>): boolean {
  const listed = listedClusterNodes(settings);
  return settings.clusterNats === undefined || listed === undefined || listed.includes(settings.clusterNodeId);
}

export function defaultSettings(): Settings {
  return {
    port: 8086,
    adminPort: 8083,
    bind: '0.0.0.0',
    dataDir: './data',
    shards: undefined,
    walFsync: 'always',
    walFsyncIntervalMs: 100,
    memtableBytes: 128 * MiB,
    flushIdleMs: 10_000,
    blockCacheBytes: 128 * MiB,
    maxBodySize: 256 * MiB,
    parseThreads: defaultParseThreads(),
    parseQueueBytes: 256 * MiB,
    shardQueueBytes: 64 * MiB,
    wholeAnswerBytes: 256 * MiB,
    initialRootPassword: 'root',
    resetRoot: false,
    loginFailureDelayMs: 5_000,
    logLevel: 'info',
    graphitePort: undefined,
    graphiteDatabase: undefined,
    graphiteUdp: false,
    udpPort: undefined,
    udpDatabase: undefined,
    clusterNats: undefined,
    clusterNodeId: hostname().replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
    clusterName: 'sluice',
    clusterReplicas: 3,
    clusterLogBytes: 1024 * MiB,
    // Above a stream leader's election (4–8 s), so a NATS server's death only delays writes.
    clusterWriteDeadlineMs: 12_000,
    clusterMaxOwnerLagMs: 500,
    clusterReportIntervalMs: 10_000,
    clusterNodes: undefined,
    clusterCopies: 2,
    clusterNatsUser: undefined,
    clusterNatsPassword: undefined,
    clusterNatsCa: undefined,
    clusterNatsCert: undefined,
    clusterNatsKey: undefined,
  };
}

export class ConfigError extends Error {}

/** `--help` or `--version` was asked for and printed: nothing is wrong, the process just ends. */
export class InfoShown extends Error {}

/** pino's levels, quietest last. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

type SettingKey = keyof Settings;

/** Each setting's name in the TOML file and the environment, and how to read it from text. */
const SETTING_SOURCES: { key: SettingKey; toml: string; env: string; parse: (raw: unknown) => unknown }[] = [
  { key: 'port', toml: 'port', env: 'SLUICE_PORT', parse: (v) => integer(v, 0, 65535) },
  { key: 'adminPort', toml: 'admin_port', env: 'SLUICE_ADMIN_PORT', parse: portOrOff },
  { key: 'bind', toml: 'bind', env: 'SLUICE_BIND', parse: text },
  { key: 'dataDir', toml: 'data_dir', env: 'SLUICE_DATA_DIR', parse: text },
  { key: 'shards', toml: 'shards', env: 'SLUICE_SHARDS', parse: (v) => integer(v, 1, MAX_SHARDS) },
  { key: 'walFsync', toml: 'wal_fsync', env: 'SLUICE_WAL_FSYNC', parse: fsyncPolicy },
  { key: 'walFsyncIntervalMs', toml: 'wal_fsync_interval_ms', env: 'SLUICE_WAL_FSYNC_INTERVAL_MS', parse: (v) => integer(v, 1, 60_000) },
  { key: 'memtableBytes', toml: 'memtable_size', env: 'SLUICE_MEMTABLE_SIZE', parse: byteSize },
  { key: 'blockCacheBytes', toml: 'block_cache_size', env: 'SLUICE_BLOCK_CACHE_SIZE', parse: byteSizeOrZero },
  { key: 'flushIdleMs', toml: 'flush_idle_ms', env: 'SLUICE_FLUSH_IDLE_MS', parse: (v) => integer(v, 10, 86_400_000) },
  { key: 'maxBodySize', toml: 'max_body_size', env: 'SLUICE_MAX_BODY_SIZE', parse: byteSize },
  { key: 'parseThreads', toml: 'parse_threads', env: 'SLUICE_PARSE_THREADS', parse: (v) => integer(v, 1, 256) },
  { key: 'parseQueueBytes', toml: 'parse_queue_size', env: 'SLUICE_PARSE_QUEUE_SIZE', parse: byteSize },
  { key: 'shardQueueBytes', toml: 'shard_queue_size', env: 'SLUICE_SHARD_QUEUE_SIZE', parse: byteSize },
  { key: 'wholeAnswerBytes', toml: 'whole_answers_size', env: 'SLUICE_WHOLE_ANSWERS_SIZE', parse: byteSize },
  { key: 'initialRootPassword', toml: 'initial_root_password', env: 'INFLUXDB_INIT_PWD', parse: text },
  { key: 'loginFailureDelayMs', toml: 'login_failure_delay_ms', env: 'SLUICE_LOGIN_FAILURE_DELAY_MS', parse: (v) => integer(v, 0, 60_000) },
  { key: 'logLevel', toml: 'log_level', env: 'SLUICE_LOG_LEVEL', parse: logLevel },
  { key: 'graphitePort', toml: 'graphite_port', env: 'SLUICE_GRAPHITE_PORT', parse: (v) => integer(v, 0, 65535) },
  { key: 'graphiteDatabase', toml: 'graphite_database', env: 'SLUICE_GRAPHITE_DATABASE', parse: text },
  { key: 'graphiteUdp', toml: 'graphite_udp', env: 'SLUICE_GRAPHITE_UDP', parse: flag },
  { key: 'udpPort', toml: 'udp_port', env: 'SLUICE_UDP_PORT', parse: (v) => integer(v, 0, 65535) },
  { key: 'udpDatabase', toml: 'udp_database', env: 'SLUICE_UDP_DATABASE', parse: text },
  { key: 'clusterNats', toml: 'cluster_nats', env: 'SLUICE_CLUSTER_NATS', parse: natsUrls },
  { key: 'clusterNodeId', toml: 'cluster_node_id', env: 'SLUICE_CLUSTER_NODE_ID', parse: natsToken },
  { key: 'clusterName', toml: 'cluster_name', env: 'SLUICE_CLUSTER_NAME', parse: natsToken },
  { key: 'clusterReplicas', toml: 'cluster_replicas', env: 'SLUICE_CLUSTER_REPLICAS', parse: replicaCount },
  { key: 'clusterLogBytes', toml: 'cluster_log_size', env: 'SLUICE_CLUSTER_LOG_SIZE', parse: byteSize },
  { key: 'clusterWriteDeadlineMs', toml: 'cluster_write_deadline_ms', env: 'SLUICE_CLUSTER_WRITE_DEADLINE_MS', parse: (v) => integer(v, 100, 600_000) },
  { key: 'clusterMaxOwnerLagMs', toml: 'cluster_max_owner_lag_ms', env: 'SLUICE_CLUSTER_MAX_OWNER_LAG_MS', parse: (v) => integer(v, 0, 600_000) },
  { key: 'clusterReportIntervalMs', toml: 'cluster_report_interval_ms', env: 'SLUICE_CLUSTER_REPORT_INTERVAL_MS', parse: (v) => integer(v, 100, 3_600_000) },
  { key: 'clusterNodes', toml: 'cluster_nodes', env: 'SLUICE_CLUSTER_NODES', parse: nodeIds },
  { key: 'clusterCopies', toml: 'cluster_copies', env: 'SLUICE_CLUSTER_COPIES', parse: (v) => integer(v, 1, 16) },
  { key: 'clusterNatsUser', toml: 'cluster_nats_user', env: 'SLUICE_CLUSTER_NATS_USER', parse: text },
  { key: 'clusterNatsPassword', toml: 'cluster_nats_password', env: 'SLUICE_CLUSTER_NATS_PASSWORD', parse: text },
  { key: 'clusterNatsCa', toml: 'cluster_nats_ca', env: 'SLUICE_CLUSTER_NATS_CA', parse: text },
  { key: 'clusterNatsCert', toml: 'cluster_nats_cert', env: 'SLUICE_CLUSTER_NATS_CERT', parse: text },
  { key: 'clusterNatsKey', toml: 'cluster_nats_key', env: 'SLUICE_CLUSTER_NATS_KEY', parse: text },
];

/**
 * Settings = defaults ← TOML config file ← environment ← command-line flags. `command` is how
 * the usage names the server's command line (`sluice serve` when run through the sluice bin).
 */
export function loadSettings(argv: string[], env: NodeJS.ProcessEnv = process.env, command = 'sluice'): Settings {
  const flags = parseFlags(argv, command);
  const settings = defaultSettings();
  const configPath = (flags.config as string | undefined) ?? env.SLUICE_CONFIG;
  if (configPath !== undefined) applyToml(settings, configPath);
  for (const source of SETTING_SOURCES) {
    const raw = env[source.env];
    if (raw !== undefined && raw !== '') assign(settings, source.key, source.parse(raw), source.env);
  }
  for (const source of SETTING_SOURCES) {
    const raw = flags[source.key];
    if (raw !== undefined) assign(settings, source.key, source.parse(raw), `--${kebab(source.key)}`);
  }
  if (flags.resetRoot === true) settings.resetRoot = true;
  if (settings.graphitePort !== undefined && settings.graphiteDatabase === undefined) throw new ConfigError('graphite_port needs graphite_database');
  if (settings.udpPort !== undefined && settings.udpDatabase === undefined) throw new ConfigError('udp_port needs udp_database');
  if (settings.graphiteUdp && settings.graphitePort === undefined) throw new ConfigError('graphite_udp needs graphite_port');
  if (settings.clusterNodes !== undefined && settings.clusterNats === undefined) throw new ConfigError('cluster_nodes needs cluster_nats');
  if (settings.clusterNats !== undefined && settings.walFsync === 'interval' && settings.clusterReportIntervalMs <= settings.walFsyncIntervalMs) {
    throw new ConfigError('cluster_report_interval_ms must be longer than wal_fsync_interval_ms: a report gives positions whose WAL is synced');
  }
  const natsAccess = ['clusterNatsUser', 'clusterNatsPassword', 'clusterNatsCa', 'clusterNatsCert', 'clusterNatsKey'] as const;
  if (settings.clusterNats === undefined && natsAccess.some((key) => settings[key] !== undefined)) throw new ConfigError('the cluster_nats_* credentials need cluster_nats');
  if ((settings.clusterNatsUser === undefined) !== (settings.clusterNatsPassword === undefined)) throw new ConfigError('cluster_nats_user and cluster_nats_password go together');
  if ((settings.clusterNatsCert === undefined) !== (settings.clusterNatsKey === undefined)) throw new ConfigError('cluster_nats_cert and cluster_nats_key go together');
  return settings;
}

function parseFlags(argv: string[], command: string): Record<string, unknown> {
  const program = new Command()
    .name(command)
    .description('Time-series database server speaking the InfluxDB 0.8 HTTP API')
    .option('-c, --config <file>', 'TOML config file')
    .option('--port <port>', 'HTTP port (0 picks a free one)')
    .option('--admin-port <port>', "admin page's port (0 picks a free one, off serves none)")
    .option('--bind <address>', 'address to listen on')
    .option('--data-dir <dir>', 'data directory')
    .option('--shards <n>', "number of shard actors (default: the data directory's count, else the number of cores)")
    .option('--wal-fsync <policy>', 'always | interval | never')
    .option('--wal-fsync-interval-ms <ms>', 'fsync interval for --wal-fsync interval')
    .option('--memtable-bytes <size>', 'per-shard memtable size before a flush (e.g. 128MiB)')
    .option('--flush-idle-ms <ms>', 'flush a memtable that got no write for this long')
    .option('--block-cache-bytes <size>', 'decoded segment blocks each shard keeps for queries (e.g. 128MiB, 0 for none)')
    .option('--max-body-size <size>', 'largest accepted write body (e.g. 256MiB)')
    .option('--parse-threads <n>', 'threads parsing write bodies')
    .option('--parse-queue-bytes <size>', 'write body bytes waiting to be parsed before writes get 503 (e.g. 256MiB)')
    .option('--shard-queue-bytes <size>', 'per shard: parsed bytes waiting before writes get 503 (e.g. 64MiB)')
    .option('--whole-answer-bytes <size>', 'whole (non-chunked) query answers being built or sent, together, before queries get 503 (e.g. 256MiB)')
    .option('--initial-root-password <password>', 'password of root on first start')
    .option('--reset-root', "reset root's password to the initial root password")
    .option('--login-failure-delay-ms <ms>', 'longest wait before checking the credentials of a client that keeps failing (0: none)')
    .option('--log-level <level>', LOG_LEVELS.join(' | '))
    .option('--graphite-port <port>', 'accept Graphite plaintext over TCP on this port (off by default)')
    .option('--graphite-database <db>', 'database the Graphite points go to')
    .option('--graphite-udp', 'accept Graphite lines in UDP datagrams too, on the Graphite port number')
    .option('--udp-port <port>', 'accept 0.8 JSON series bodies over UDP on this port (off by default)')
    .option('--udp-database <db>', 'database the UDP points go to')
    .option('--cluster-nats <urls>', 'run in cluster mode on these NATS servers (comma-separated; off by default)')
    .option('--cluster-node-id <id>', "this node's unique name in the cluster (default: the host name)")
    .option('--cluster-name <name>', "prefix of the cluster's NATS streams and KV buckets")
    .option('--cluster-replicas <n>', 'copies the NATS servers keep of the log and metadata: 1, 3 or 5')
    .option('--cluster-log-bytes <size>', 'per partition: log bytes owners may lag behind before writes get 503 (e.g. 1GiB)')
    .option('--cluster-write-deadline-ms <ms>', 'a write the NATS servers have not taken within this long answers 503 (default 12000)')
    .option('--cluster-max-owner-lag-ms <ms>', "how far a partition's owners may fall behind this node's acknowledged writes before its next writes there wait (default 500; 0: never)")
    .option('--cluster-report-interval-ms <ms>', 'how often stored positions are reported, checkpoints uploaded and streams purged (default 10000)')
    .option('--cluster-nodes <ids>', "the ids of the nodes that store partitions, comma-separated, the same on every node; a node not listed is a front end only (default: every node stores all)")
    .option('--cluster-copies <n>', 'with --cluster-nodes: how many nodes store each partition (default 2)')
    .option('--cluster-nats-user <user>', 'NATS user, for servers that require one (with --cluster-nats-password)')
    .option('--cluster-nats-password <password>', 'NATS password (prefer SLUICE_CLUSTER_NATS_PASSWORD or the config file: flags show in ps)')
    .option('--cluster-nats-ca <file>', "PEM file of the CA that signed the NATS servers' certificates: connect with TLS")
    .option('--cluster-nats-cert <file>', "PEM file of this node's client certificate, for NATS servers that verify clients (with --cluster-nats-key)")
    .option('--cluster-nats-key <file>', "PEM file of this node's client key")
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride((err) => {
      if (err.exitCode === 0) throw new InfoShown(err.message);
      throw new ConfigError(err.message);
    })
    .configureOutput({ writeErr: () => undefined })
    .helpOption('-h, --help');
  program.parse(argv, { from: 'user' });
  return program.opts();
}

function applyToml(settings: Settings, path: string): void {
  let document: Record<string, unknown>;
  try {
    document = parseToml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const known = new Set(SETTING_SOURCES.map((s) => s.toml));
  for (const key of Object.keys(document)) {
    if (!known.has(key)) throw new ConfigError(`unknown setting "${key}" in ${path}`);
  }
  for (const source of SETTING_SOURCES) {
    if (source.toml in document) assign(settings, source.key, source.parse(document[source.toml]), `${path}: ${source.toml}`);
  }
}

function assign(settings: Settings, key: SettingKey, value: unknown, origin: string): void {
  if (value instanceof Error) throw new ConfigError(`${origin}: ${value.message}`);
  (settings as unknown as Record<string, unknown>)[key] = value;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function text(raw: unknown): unknown {
  return typeof raw === 'string' ? raw : new InvalidArgumentError('expected a string');
}

/** A switch: true from a flag given without a value or TOML, `true`/`false` (or 1/0) from the environment. */
function flag(raw: unknown): unknown {
  if (raw === true || raw === 'true' || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === '0') return false;
  return new InvalidArgumentError(`expected true or false, got ${String(raw)}`);
}

/** NATS server URLs, comma-separated (a TOML array is taken too); `host:port` alone means nats://. */
function natsUrls(raw: unknown): unknown {
  const urls = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((u) => u.trim()).filter((u) => u !== '');
  if (urls.length === 0) return new InvalidArgumentError('expected NATS server URLs, e.g. nats://10.0.0.1:4222,nats://10.0.0.2:4222');
  const bad = urls.find((u) => !/^(nats:\/\/)?[\w.-]+(:\d+)?$/.test(u));
  return bad === undefined ? urls.join(',') : new InvalidArgumentError(`not a NATS server URL: ${bad}`);
}

/** A name that can be part of a NATS subject, stream and KV key. */
function natsToken(raw: unknown): unknown {
  return typeof raw === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(raw)
    ? raw
    : new InvalidArgumentError(`expected 1 to 64 letters, digits, - or _, got ${String(raw)}`);
}

/** Node ids, comma-separated (a TOML array is taken too). */
function nodeIds(raw: unknown): unknown {
  const ids = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((id) => id.trim()).filter((id) => id !== '');
  const bad = ids.map(natsToken).find((id) => id instanceof Error);
  if (bad) return bad;
  if (ids.length === 0 || new Set(ids).size !== ids.length) return new InvalidArgumentError(`expected distinct node ids, got ${String(raw)}`);
  return ids.join(',');
}

/** JetStream replicates by quorum: an even count tolerates no more failures than one fewer. */
function replicaCount(raw: unknown): unknown {
  const n = integer(raw, 1, 5);
  return n === 1 || n === 3 || n === 5 ? n : new InvalidArgumentError(`expected 1, 3 or 5, got ${String(raw)}`);
}

function logLevel(raw: unknown): unknown {
  return (LOG_LEVELS as readonly unknown[]).includes(raw)
    ? raw
    : new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}, got ${String(raw)}`);
}

function integer(raw: unknown, min: number, max: number): unknown {
  const value = typeof raw === 'number' ? raw : Number(String(raw));
  if (!Number.isInteger(value) || value < min || value > max) {
    return new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${String(raw)}`);
  }
  return value;
}

function portOrOff(raw: unknown): unknown {
  if (raw === 'off') return raw;
  const port = integer(raw, 0, 65535);
  return port instanceof Error ? new InvalidArgumentError(`expected a port from 0 to 65535 or off, got ${String(raw)}`) : port;
}

function fsyncPolicy(raw: unknown): unknown {
  return raw === 'always' || raw === 'interval' || raw === 'never'
    ? raw
    : new InvalidArgumentError(`expected always, interval or never, got ${String(raw)}`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: 1024 * MiB, gb: 1024 * MiB, gib: 1024 * MiB };

/** A size, or 0 to turn the thing off. */
function byteSizeOrZero(raw: unknown): unknown {
  return raw === 0 || String(raw).trim() === '0' ? 0 : byteSize(raw);
}

function byteSize(raw: unknown): unknown {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return raw;
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(String(raw));
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    return new InvalidArgumentError(`expected a size like 1048576, 512KiB or 64MiB, got ${String(raw)}`);
  }
  return Number(match[1]) * unit;
}
