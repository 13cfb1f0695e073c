/**
 * Cluster-mode ingest benchmark (issue 10): 3 NATS JetStream servers and N Sluice nodes on
 * this machine. Writers send the ingest workload's 0.8 JSON bodies to the nodes in turn; a
 * probe measures how long after its acknowledgement a point is readable on another node; CPU
 * is measured per role (NATS servers, Sluice nodes) to project larger clusters. With --kill,
 * one process is killed with SIGKILL mid-run: writers retry a refused body on the next node
 * (its digest makes the retry safe), the longest pause in acknowledgements is reported, and
 * every node is checked to hold every point exactly once.
 *
 * Before the timed run the nodes are warmed up with as many points again (--warmup).
 *
 * Run: npm run build && node dist/bench/cluster-ingest.js            (S=1000 P=1000 B=5000 C=8)
 *      node dist/bench/cluster-ingest.js --kill nats     (or --kill node)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startNatsCluster, stopNatsClusters, streamLeader, type NatsCluster } from '../test/helpers/nats-cluster.js';
import { cleanupServers, startServer, type TestServer } from '../test/helpers/server.js';
import { generateDataset, seriesName, type Dataset } from './lib/dataset.js';
import { shardOf } from '../src/storage/router.js';
import { BenchClient, seriesPath } from './lib/http.js';
import { cpuSeconds } from './lib/proc.js';
import { currentCommit, report, type Metric } from './lib/results.js';
import { percentile } from './lib/timing.js';
import { perRoleMetrics, perThreadLine, threadSeconds } from './lib/thread-cpu.js';

const { values: flags } = parseArgs({
  options: {
    series: { type: 'string', short: 'S' },
    points: { type: 'string', short: 'P' },
    batch: { type: 'string', short: 'B' },
    conns: { type: 'string', short: 'C' },
    nodes: { type: 'string' },
    partitions: { type: 'string' },
    kill: { type: 'string' },
    copies: { type: 'string' },
    warmup: { type: 'string' },
    'probe-poll-ms': { type: 'string' },
    'one-partition-bodies': { type: 'boolean' },
    'server-arg': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help === true) {
  console.log(`usage: node dist/bench/cluster-ingest.js [options]
  -S, -P, -B, -C       series, points per series, points per request, connections (1000, 1000, 5000, 8)
  --nodes N            Sluice nodes (2); --partitions N: partitions (2)
  --copies N           spread the partitions over the nodes, N copies each (default: every node stores all)
  --warmup N           points written untimed (to databases of their own) and stored before the
                       timed run (default: as many as the timed run; 0 measures fresh nodes)
  --kill nats|node     SIGKILL the NATS server leading partition 0's stream, or a Sluice node, when 40 % of the bodies are sent
  --probe-poll-ms N    the visibility probe reads the other node every N ms until it sees its point (20)
  --one-partition-bodies  every body holds series of one partition only (S series per partition,
                       bodies of each partition in turn): one log message a body, bodies shaped as
                       by default, to measure what a message costs apart from a body
  --server-arg=--flag=value   extra Sluice flags, e.g. --server-arg=--wal-fsync=interval`);
  process.exit(0);
}
/** A flag's whole number, or `fallback` when unset; anything else stops the bench (`--probe-poll-ms abc` polled without pause). */
const int = (raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`expected a whole number, got ${JSON.stringify(raw)}`);
  return value;
};
const series = int(flags.series ?? process.env.S, 1000);
const pointsPerSeries = int(flags.points ?? process.env.P, 1000);
const batch = int(flags.batch ?? process.env.B, 5000);
const connections = int(flags.conns ?? process.env.C, 8);
const nodeCount = int(flags.nodes, 2);
const partitions = int(flags.partitions, 2);
const kill = flags.kill;
const probePollMs = int(flags['probe-poll-ms'], 20);
const copies = flags.copies === undefined ? undefined : int(flags.copies, 0);
if (kill !== undefined && kill !== 'nats' && kill !== 'node') throw new Error('--kill takes nats or node');
if (partitions < 1) throw new Error('--partitions takes 1 or more');
const DB = 'bench';
const metric = (value: number, unit: string, higherIsBetter: boolean): Metric => ({ value, unit, higherIsBetter });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const dataset = flags['one-partition-bodies'] === true ? onePartitionDataset() : generateDataset(series, pointsPerSeries, batch);
/** `series` series of each partition (named as by default, skipping the other partitions'), their bodies taken in turn. */
function onePartitionDataset(): Dataset {
  const names = Array.from({ length: partitions }, (): string[] => []);
  for (let i = 0; names.some((list) => list.length < series); i++) {
    const name = seriesName(i);
    const list = names[shardOf(DB, name, partitions)]!;
    if (list.length < series) list.push(name);
  }
  // One clock reading for all, so every partition's points fall on the same times.
  const now = Date.now();
  const perPartition = names.map((list) => generateDataset(series, pointsPerSeries, batch, now, 'json', (s) => list[s]!));
  const bodies = perPartition[0]!.bodies.flatMap((_, b) => perPartition.map((set) => set.bodies[b]!));
  const sum = (of: (set: Dataset) => number): number => perPartition.reduce((total, set) => total + of(set), 0);
  return { ...perPartition[0]!, bodies, points: sum((set) => set.points), bytes: sum((set) => set.bytes) };
}
const warmupPoints = int(flags.warmup, dataset.points);
console.log(`cluster ingest: ${nodeCount} Sluice nodes, 3 NATS servers, ${partitions} partitions; ${dataset.bodies.length} bodies, ${dataset.points.toLocaleString('en-US')} points, C=${connections}`);

/**
 * Writes `points` points of the workload, untimed, to databases of their own (`warmup0`, … one
 * per pass over the bodies: the log keeps one copy of a body sent twice to one database), then
 * waits until every node counts them all.
 */
async function warmUp(clients: BenchClient[], points: number): Promise<void> {
  const bodyCount = Math.ceil(points / batch);
  const passes = Math.ceil(bodyCount / dataset.bodies.length);
  for (let pass = 0; pass < passes; pass++) {
    const created = await clients[0]!.send('POST', '/db?u=root&p=root', Buffer.from(JSON.stringify({ name: `warmup${pass}` })));
    if (created.status !== 201) throw new Error(`create database warmup${pass}: HTTP ${created.status} ${created.body}`);
  }
  for (const client of clients) {
    for (let tries = 0; (await client.send('GET', seriesPath(`warmup${passes - 1}`, 'list series'))).status !== 200; tries++) {
      if (tries > 200) throw new Error('the warm-up databases never reached every node');
      await sleep(50);
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, w) => {
      for (let turn = w; next < bodyCount; turn++) {
        const index = next++;
        const db = `warmup${Math.floor(index / dataset.bodies.length)}`;
        const body = dataset.bodies[index % dataset.bodies.length]!;
        for (let attempt = 0; ; attempt++) {
          const reply = await clients[turn % clients.length]!.send('POST', `/db/${db}/series?u=root&p=root&time_precision=s`, body);
          if (reply.status === 200) break;
          if (attempt > 200) throw new Error(`warm-up write: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
          await sleep(100);
        }
      }
    }),
  );
  // Every body of the dataset holds `batch` points but perhaps the last.
  const expected = (db: number): number => {
    const bodies = Math.min(dataset.bodies.length, bodyCount - db * dataset.bodies.length);
    return bodies === dataset.bodies.length ? dataset.points : bodies * batch;
  };
  for (const [i, client] of clients.entries()) {
    for (let pass = 0; pass < passes; pass++) {
      const stored = await countWhenStored(client, i, `warmup${pass}`, expected(pass), performance.now() + 120_000);
      if (stored !== expected(pass)) throw new Error(`warm-up: node n${i} stored ${stored} of ${expected(pass)} points in warmup${pass}`);
    }
  }
  const written = Array.from({ length: passes }, (_, pass) => expected(pass)).reduce((a, b) => a + b, 0);
  console.log(`warmed up: ${written.toLocaleString('en-US')} points written (untimed) and stored by every node`);
}

/**
 * The points node `i` counts in `db`, asked every 500 ms until they are `expected` or `deadline`
 * (performance.now()) passes: a node still catching up on a partition answers 503, and a node
 * sees writes acknowledged through other front ends once their owners have applied them.
 * -1 if it never answered.
 */
async function countWhenStored(client: BenchClient, i: number, db: string, expected: number, deadline: number): Promise<number> {
  let stored = -1;
  while (performance.now() < deadline) {
    const reply = await client.send('GET', seriesPath(db, 'select count(value) from /^cpu\\./'));
    if (reply.status !== 200 && reply.status !== 503) throw new Error(`count on node n${i}: HTTP ${reply.status} ${reply.body}`);
    if (reply.status === 200) stored = (JSON.parse(reply.body) as { points: number[][] }[]).reduce((sum, s) => sum + Number(s.points[0]?.[1] ?? 0), 0);
    if (stored === expected) break;
    await sleep(500);
  }
  return stored;
}

/** Per partition, a /metrics gauge of one node: stream sequences (a partition it does not store is missing). */
async function partitionGauges(client: BenchClient, name: string): Promise<Map<number, number>> {
  const reply = await client.send('GET', '/metrics?u=root&p=root');
  if (reply.status !== 200) throw new Error(`/metrics: HTTP ${reply.status}`);
  const gauges = new Map<number, number>();
  for (const match of reply.body.matchAll(new RegExp(`^${name}\\{partition="(\\d+)"\\} (\\S+)$`, 'gm'))) gauges.set(Number(match[1]), Number(match[2]));
  return gauges;
}

/**
 * Milliseconds until every node has stored, in each partition it stores, everything any front
 * end had acknowledged when this was called (the nodes' /metrics, read every 20 ms).
 */
async function ownersCatchUp(nodes: BenchClient[]): Promise<number> {
  const from = performance.now();
  const acknowledged = new Map<number, number>();
  for (const node of nodes) {
    for (const [partition, seq] of await partitionGauges(node, 'sluice_cluster_partition_acknowledged_sequence')) acknowledged.set(partition, Math.max(seq, acknowledged.get(partition) ?? 0));
  }
  for (const node of nodes) {
    for (;;) {
      const stored = await partitionGauges(node, 'sluice_cluster_partition_stored_sequence');
      if ([...stored].every(([partition, seq]) => seq >= (acknowledged.get(partition) ?? 0))) break;
      if (performance.now() - from > 120_000) throw new Error('the owners did not store what was acknowledged within 2 minutes');
      await sleep(20);
    }
  }
  return performance.now() - from;
}

const nats: NatsCluster = await startNatsCluster(3);
try {
  const spread = copies === undefined ? [] : ['--cluster-nodes', Array.from({ length: nodeCount }, (_, i) => `n${i}`).join(','), '--cluster-copies', String(copies)];
  // One parse thread a node: the nodes share this machine's cores with each other and with the
  // NATS servers (2 cores: 669–698 k points/s with one, 642–652 k with two, 2 pairs, 2026-12-06).
  const nodeArgs = (id: number): string[] => ['--cluster-nats', nats.urls, '--cluster-node-id', `n${id}`, '--shards', String(partitions), '--parse-threads', '1', ...spread, ...(flags['server-arg'] ?? [])];
  const nodes: TestServer[] = [];
  for (let id = 0; id < nodeCount; id++) nodes.push(await startServer({ args: nodeArgs(id), startTimeoutMs: 60_000 }));
  const clients = nodes.map((node) => new BenchClient(node.baseUrl, connections + 2));
  const created = await clients[0]!.send('POST', '/db?u=root&p=root', Buffer.from(JSON.stringify({ name: DB })));
  if (created.status !== 201) throw new Error(`create database: HTTP ${created.status} ${created.body}`);
  // Every node must know the database before it takes writes for it.
  for (const client of clients) {
    for (let tries = 0; (await client.send('GET', seriesPath(DB, 'list series'))).status !== 200; tries++) {
      if (tries > 200) throw new Error('the database never reached every node');
      await sleep(50);
    }
  }

  // A server runs for days, its code long optimized. Fresh nodes run much of theirs unoptimized
  // at first, and V8's optimizing compiler took 0.1–0.2 cores of this machine through a whole
  // 5 s run (perf, 2026-12-06): 460–590 k points/s cold against 690–800 k after a warm-up. So
  // the workload is first written untimed, to databases of its own, and stored by every node.
  if (warmupPoints > 0) await warmUp(clients, warmupPoints);

  const alive = new Set(nodes.map((_, i) => i));
  const pids = (): { nats: number[]; sluice: number[] } => ({
    nats: nats.nodes.flatMap((n) => (n.pid === undefined ? [] : [n.pid])),
    sluice: nodes.flatMap((n, i) => (alive.has(i) ? [n.pid] : [])),
  });
  const startPids = pids();
  const cpuBefore = new Map([...startPids.nats, ...startPids.sluice].map((pid) => [pid, cpuSeconds(pid)]));
  const threadsBefore = await Promise.all(clients.map(threadSeconds));
  // CPU since the start of the survivors; a killed process's CPU is lost with it.
  const cpuSince = (list: number[]): number => list.reduce((sum, pid) => sum + cpuSeconds(pid) - (cpuBefore.get(pid) ?? 0), 0);

  const ackLatencies: number[] = [];
  const ackTimes: number[] = [];
  let retries = 0;
  let next = 0;
  let killedAt: number | undefined;
  const killAfter = kill === undefined ? Number.POSITIVE_INFINITY : Math.floor(dataset.bodies.length * 0.4);
  const writer = async (w: number): Promise<void> => {
    for (let turn = w; next < dataset.bodies.length; turn++) {
      const index = next++;
      if (index === killAfter) void killOne();
      const body = dataset.bodies[index]!;
      const sent = performance.now();
      // A refused or broken write goes to the next node: the log keeps one copy of a retried body.
      for (let attempt = 0; ; attempt++) {
        const target = [...alive][(turn + attempt) % alive.size]!;
        const reply = await clients[target]!.send('POST', `/db/${DB}/series?u=root&p=root&time_precision=s`, body).catch(() => ({ status: 0, body: 'connection lost' }));
        if (reply.status === 200) break;
        retries++;
        if (attempt > 200) throw new Error(`write: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
        await sleep(100);
      }
      ackLatencies.push(performance.now() - sent);
      ackTimes.push(performance.now());
    }
  };
  const killOne = async (): Promise<void> => {
    killedAt = performance.now();
    if (kill === 'nats') {
      const victim = await streamLeader(nats, 'sluice-p0');
      console.log(`kill -9 of NATS server ${victim.name}, the leader of partition 0's stream`);
      await victim.kill9();
    } else {
      const victim = nodeCount - 1;
      console.log(`kill -9 of Sluice node n${victim}`);
      alive.delete(victim);
      await nodes[victim]!.kill9();
    }
  };

  // Probe: a point written to one node, then polled on another until it is readable there, every
  // probePollMs: polled every 2 ms, as until 2026-12-06, its ~500 queries a second took 1.5–12 % of
  // the points/s it measured beside them (3 alternating pairs against 20 ms).
  const visibility: number[] = [];
  let probing = true;
  const probe = async (): Promise<void> => {
    for (let i = 0; probing; i++) {
      const live = [...alive];
      const writeTo = live[i % live.length]!;
      let readFrom = live[(i + 1) % live.length]!;
      const reply = await clients[writeTo]!.send('POST', `/db/${DB}/series?u=root&p=root`, Buffer.from(JSON.stringify([{ name: `probe${i}`, columns: ['v'], points: [[i]] }]))).catch(() => undefined);
      if (reply?.status !== 200) continue;
      const acked = performance.now();
      for (;;) {
        // The reader killed meanwhile (--kill): read from another live node.
        if (!alive.has(readFrom)) readFrom = [...alive].find((node) => node !== writeTo) ?? writeTo;
        const read = await clients[readFrom]!.send('GET', seriesPath(DB, `select v from probe${i}`)).catch(() => undefined);
        if (read?.status === 200 && read.body.includes('"points":[[')) break;
        if (performance.now() - acked > 30_000) break;
        await sleep(probePollMs);
      }
      visibility.push(performance.now() - acked);
      await sleep(100);
    }
  };

  const began = performance.now();
  const probing$ = probe();
  await Promise.all(Array.from({ length: connections }, (_, w) => writer(w)));
  const elapsedS = (performance.now() - began) / 1000;
  // Acknowledged is on a quorum of NATS servers; the owners store it after. Points/s counted to
  // the last acknowledgement alone would credit owners that fall behind for as long as a run lasts.
  const ownersBehindMs = await ownersCatchUp([...alive].map((i) => clients[i]!));
  probing = false;
  await probing$;
  // With --kill, the per-role figures undercount: the killed process's CPU is gone with it.
  const endPids = pids();
  const cpu = { nats: cpuSince(endPids.nats), sluice: cpuSince(endPids.sluice) };
  // The busiest node bounds a cluster of machines: a node that stores more partitions than
  // the others runs out of CPU first.
  const perNode = endPids.sluice.map((pid) => (cpuSince([pid]) / dataset.points) * 1e6);
  console.log(`CPU per point by Sluice node: ${perNode.map((us) => us.toFixed(2)).join(', ')} µs`);
  // Per thread, of the nodes still alive (a node's threads, as its /metrics reports them).
  const threadPairs = await Promise.all([...alive].map(async (i) => [threadsBefore[i]!, await threadSeconds(clients[i]!)] as const));
  [...alive].forEach((i, k) => console.log(`  n${i} by thread: ${perThreadLine(threadPairs[k]![0], threadPairs[k]![1], dataset.points)} µs`));

  // The longest pause between acknowledgements after the kill.
  let stallMs = 0;
  if (killedAt !== undefined) {
    const after = ackTimes.filter((t) => t >= killedAt!).sort((a, b) => a - b);
    let previous = killedAt;
    for (const t of after) {
      stallMs = Math.max(stallMs, t - previous);
      previous = t;
    }
  }

  // Every surviving node holds every point exactly once.
  const expected = dataset.points;
  const counts: number[] = [];
  const countingFrom = performance.now();
  for (const i of alive) {
    counts.push(await countWhenStored(clients[i]!, i, DB, expected, countingFrom + 120_000));
  }
  console.log(`points stored per node: ${counts.join(', ')} (expected ${expected}); every node answered ${Math.round(performance.now() - countingFrom)} ms after the last write`);
  if (counts.some((c) => c !== expected)) process.exitCode = 1;

  const metrics: Record<string, Metric> = {
    pointsPerSecond: metric(expected / elapsedS, 'points/s end to end', true),
    storedPointsPerSecond: metric(expected / (elapsedS + ownersBehindMs / 1000), 'points/s until every owner stored the last', true),
    ownersBehindAtEnd: metric(ownersBehindMs, 'ms after the last ack until every owner stored everything', false),
    ackP50: metric(percentile(ackLatencies, 50), 'ms', false),
    ackP99: metric(percentile(ackLatencies, 99), 'ms', false),
    visibleOnOtherNodeP50: metric(percentile(visibility, 50), 'ms after ack', false),
    visibleOnOtherNodeP99: metric(percentile(visibility, 99), 'ms after ack', false),
    natsCpuPerPoint: metric((cpu.nats / expected) * 1e6, 'µs CPU/point, 3 NATS servers', false),
    sluiceCpuPerPoint: metric((cpu.sluice / expected) * 1e6, `µs CPU/point, ${nodeCount} Sluice nodes`, false),
    busiestNodeCpuPerPoint: metric(Math.max(...perNode), 'µs CPU/point, the busiest Sluice node', false),
    retries: metric(retries, 'writes sent again', false),
    pointsMissingOrDuplicated: metric(counts.reduce((sum, c) => sum + Math.abs(c - expected), 0), 'points', false),
  };
  Object.assign(metrics, perRoleMetrics(threadPairs, expected, 'sluice'));
  if (killedAt !== undefined) metrics.longestStallAfterKill = metric(stallMs, 'ms', false);
  for (const client of clients) client.close();
  await report({
    benchmark: kill === undefined ? 'cluster-ingest' : `cluster-ingest-kill-${kill}`,
    startedAt: new Date().toISOString(),
    commit: currentCommit(),
    config: { series, pointsPerSeries, batch, connections, warmupPoints, nodes: nodeCount, partitions, copies: copies ?? nodeCount, natsServers: 3, probePollMs, serverArgs: (flags['server-arg'] ?? []).join(' '), cores: os.availableParallelism() },
    metrics,
  });
} finally {
  await cleanupServers();
  await stopNatsClusters();
}
