/**
 * Several Sluice nodes on one NATS JetStream cluster (issue 10): partitions spread over the
 * listed nodes, any node answers every query exactly as the others (and a single node) do, a
 * node's death loses no acknowledged write, and a partition no live node stores answers 503.
 */
import test, { type ExecutionContext } from 'ava';
import { AcknowledgedLoad, assertExactlyOnce, DURABILITY_DB, readAllEventually } from '../helpers/acknowledged-points.js';
import { gunzipSync } from 'node:zlib';
import { createDb, query, querySeries, rawRequest, request, sleep, write, writeOk, type RawResult, type SeriesInput, type SeriesResult, type Target } from '../helpers/client.js';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import { startNatsCluster, stopNatsClusters, TEST_LOG_LIMIT, type NatsCluster } from '../helpers/nats-cluster.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';
import { shardOf } from '../../src/storage/router.js';

let nats: NatsCluster;

test.before(async () => {
  nats = await startNatsCluster(3);
});
// Every test here is serial: its nodes go once it ends, rather than polling NATS until the file does.
test.afterEach.always(cleanupServers);
test.after.always(stopNatsClusters);

interface NodeOptions {
  readonly cluster: string;
  readonly nodes: readonly string[];
  readonly copies: number;
  readonly dataDir?: string;
  readonly args?: readonly string[];
}

function startNode(id: string, options: NodeOptions): Promise<TestServer> {
  const args = ['--cluster-nats', nats.urls, '--cluster-name', options.cluster, '--cluster-node-id', id, '--cluster-nodes', options.nodes.join(','), '--cluster-copies', String(options.copies), '--shards', '4', ...TEST_LOG_LIMIT, ...(options.args ?? [])];
  return startServer({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), args, startTimeoutMs: 60_000 });
}

async function startNodes(options: NodeOptions): Promise<TestServer[]> {
  return Promise.all(options.nodes.map((id) => startNode(id, options)));
}

/** Until the database created on one node is known to every node. */
async function createEverywhere(nodes: readonly Target[], db: string): Promise<void> {
  await createDb(nodes[0]!, db);
  for (const node of nodes) {
    for (let tries = 0; (await query(node, db, 'list series')).status !== 200; tries++) {
      if (tries > 100) throw new Error(`database ${db} never reached ${node.baseUrl}`);
      await sleep(50);
    }
  }
}

/**
 * The query's series. A lost NATS message is recovered by the shard call's repeats
 * (shard-call-retry.test.ts); a call still unanswered after 10 s (two cores shared by every
 * server here) makes the query answer 503, and the client's retry then answers.
 */
async function answered(t: ExecutionContext, node: TestServer, db: string, q: string): Promise<SeriesResult[]> {
  for (let attempt = 1; ; attempt++) {
    const answer = await query(node, db, q, { time_precision: 'ms' });
    if (answer.status === 200) return JSON.parse(answer.text) as SeriesResult[];
    if (answer.status !== 503 || attempt === 3) throw new Error(`${q}: HTTP ${answer.status} ${answer.text}`);
    t.log(`${q}: 503 (${answer.text}), asked again`);
  }
}

const QUERIES = [
  'select * from /.*/',
  'select v from cpu.a where v > 2 order asc',
  'select count(v), mean(v), max(v) from /^cpu\\./ group by time(1h)',
  'select sum(v) from cpu.a merge mem',
  'select * from cpu.a inner join cpu.b',
  'list series',
];

test.serial('with partitions spread over two nodes, both answer every query alike', async (t) => {
  // Named so that plain rendezvous hashing, used before, put 3 of the 4 partitions on n0.
  const options = { cluster: 'spread', nodes: ['n0', 'n1'], copies: 1 };
  const nodes = await startNodes(options);
  await createEverywhere(nodes, 'db1');
  const hour = 3_600_000;
  const start = Math.floor(Date.now() / hour) * hour - 10 * hour;
  const series = ['cpu.a', 'cpu.b', 'cpu.c', 'mem', 'disk', 'net'];
  for (const [i, node] of nodes.entries()) {
    await writeOk(node, 'db1', series.map((name, s) => ({ name, columns: ['time', 'v'], points: Array.from({ length: 20 }, (_, k) => [start + (i * 20 + k) * 600_000, s + k]) })), { precision: 'ms' });
  }
  // A node reads its own acknowledged writes at once, another node's once their owner has
  // applied them (milliseconds later): the answers are compared once both nodes have all.
  for (const node of nodes) {
    const counts = async (): Promise<number[]> => (await answered(t, node, 'db1', 'select count(v) from /.*/')).map((s) => s.points[0]![1] as number);
    for (let tries = 0; tries < 100 && (await counts()).some((count) => count !== 40); tries++) await sleep(20);
  }
  for (const q of QUERIES) {
    const answers = await Promise.all(nodes.map((node) => answered(t, node, 'db1', q)));
    t.deepEqual(answers[1], answers[0], q);
    t.true(answers[0]!.length > 0, q);
  }
  const all = await querySeries(nodes[1]!, 'db1', 'select count(v) from /.*/');
  t.deepEqual(all.map((s) => [s.name, s.points[0]![1]]).sort(), series.map((name) => [name, 40]).sort());
  const arrow = await Promise.all(nodes.map((node) => request(node, 'GET', '/db/db1/series', { params: { q: 'select * from cpu.a', format: 'arrow' } })));
  t.is(arrow[0]!.status, 200);
  t.is(arrow[1]!.status, 200);
  // Asked for gzip, each node's chunked export is compressed page by page by the shards that
  // scan it, remote ones too, and inflates (its trailer checked) to the plain answer.
  for (const node of nodes) {
    const plain = await exported(node, 'identity');
    const zipped = await exported(node, 'gzip');
    t.is(zipped.headers['content-encoding'], 'gzip');
    t.deepEqual(sortedObjects(gunzipSync(zipped.body)), sortedObjects(plain.body));
  }
  // Each node stores half the partitions.
  const stored = await Promise.all(nodes.map(storedPartitions));
  t.deepEqual(stored.map((partitions) => partitions.length), [2, 2], `stored: ${JSON.stringify(stored)}`);
  t.deepEqual([...stored[0]!, ...stored[1]!].sort(), ['0', '1', '2', '3']);
});

/** A chunked export of every series, asked again (at most twice) while a shard call answers 503. */
async function exported(node: TestServer, encoding: 'gzip' | 'identity'): Promise<RawResult> {
  const path = `/db/db1/series?u=root&p=root&chunked=true&time_precision=ms&q=${encodeURIComponent('select * from /.*/')}`;
  for (let attempt = 1; ; attempt++) {
    const answer = await rawRequest(node, 'GET', path, { headers: { 'accept-encoding': encoding } });
    if (answer.status === 200 || attempt === 3) return answer;
  }
}

/** Series objects of a chunked answer in a fixed order (the partitions' pages interleave). */
function sortedObjects(body: Buffer): string[] {
  return parseJsonConcatenation(body.toString('utf8')).map((object) => JSON.stringify(object)).sort();
}

/** The partitions a node stores, as its metrics list them. */
async function storedPartitions(node: TestServer): Promise<string[]> {
  const metrics = await request(node, 'GET', '/metrics');
  return [...metrics.text.matchAll(/^sluice_cluster_partition_stored_sequence\{partition="(\d+)"\}/gm)].map((match) => match[1]!);
}

test.serial('a point acknowledged on one node is readable on the other within a second', async (t) => {
  const options = { cluster: 'visible', nodes: ['a', 'b'], copies: 2 };
  const [a, b] = await startNodes(options);
  await createEverywhere([a!, b!], 'db1');
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) {
    await writeOk(a!, 'db1', [{ name: `probe${i}`, columns: ['v'], points: [[i]] }]);
    const acked = Date.now();
    while ((await query(b!, 'db1', `select v from probe${i}`)).status !== 200) await sleep(5);
    delays.push(Date.now() - acked);
  }
  t.log(`visible on the other node after ${delays.join(', ')} ms`);
  t.true(Math.max(...delays) < 2_000, `visibility took up to ${Math.max(...delays)} ms`);
});

/** A series name of `db` that falls in one of `partitions` (of 4). */
function seriesIn(db: string, partitions: readonly string[], prefix: string): string {
  for (let i = 0; ; i++) if (partitions.includes(String(shardOf(db, `${prefix}${i}`, 4)))) return `${prefix}${i}`;
}

test.serial('writes to a partition whose owner falls behind wait, answer 503 at their deadline, and go on once it catches up or is gone', async (t) => {
  const options = { cluster: 'owner-lag', nodes: ['a', 'b'], copies: 1, args: ['--cluster-max-owner-lag-ms', '300', '--cluster-write-deadline-ms', '1000'] };
  const [a, b] = await startNodes(options);
  await createEverywhere([a!, b!], 'db1');
  const onA = seriesIn('db1', await storedPartitions(a!), 'a');
  const onB = seriesIn('db1', await storedPartitions(b!), 'b');
  const point = (name: string, time: number): SeriesInput => ({ name, columns: ['time', 'v'], points: [[time, time]] });
  const timedWrite = async (series: SeriesInput[]): Promise<{ status: number; text: string; retryAfter: string | null; ms: number }> => {
    const began = Date.now();
    const result = await write(a!, 'db1', series, { precision: 'ms' });
    return { status: result.status, text: result.text, retryAfter: result.headers.get('retry-after'), ms: Date.now() - began };
  };
  await writeOk(a!, 'db1', [point(onA, 1), point(onB, 1)], { precision: 'ms' });
  // Long enough for b to say it stored that write; then b stops storing (and saying so).
  await sleep(500);
  process.kill(b!.pid, 'SIGSTOP');
  try {
    t.is((await timedWrite([point(onB, 2)])).status, 200, 'the log takes a write while the owner is not yet behind');
    await sleep(500);
    // b is now 500 ms behind what a acknowledged on its partition, but it said so < 3 s ago: present.
    const other = await timedWrite([point(onA, 3)]);
    t.is(other.status, 200, `a partition whose owner keeps up is not held: ${other.text}`);
    t.true(other.ms < 900, `a write to a's partition took ${other.ms} ms`);
    const held = await timedWrite([point(onA, 4), point(onB, 4)]);
    t.is(held.status, 503, held.text);
    t.regex(held.text, /behind/);
    t.truthy(held.retryAfter);
    t.true(held.ms >= 900, `the write waited ${held.ms} ms for the owner before its 503`);
    // The front end shows it: the writes it held, and how far behind the stopped owner is.
    const metrics = (await request(a!, 'GET', '/metrics')).text;
    t.regex(metrics, /^sluice_cluster_writes_held_total 1$/m);
    const partitionOfB = shardOf('db1', onB, 4);
    const lagOfB = Number(new RegExp(`^sluice_cluster_partition_owner_lag_ms\\{partition="${partitionOfB}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    t.true(lagOfB >= 900, `owner lag of partition ${partitionOfB} shown as ${lagOfB} ms`);
  } finally {
    process.kill(b!.pid, 'SIGCONT');
  }
  let resumed = await timedWrite([point(onB, 5)]);
  t.is(resumed.status, 200, `once caught up, the owner's partition takes writes again: ${resumed.text}`);

  // An owner silent for 3 s is gone, not slow: its partition's writes go to the log for whoever takes it over.
  process.kill(b!.pid, 'SIGSTOP');
  try {
    await writeOk(a!, 'db1', [point(onB, 6)], { precision: 'ms' });
    await sleep(3_500);
    resumed = await timedWrite([point(onB, 7)]);
    t.is(resumed.status, 200, resumed.text);
  } finally {
    process.kill(b!.pid, 'SIGCONT');
  }
  // Every acknowledged point, and nothing of the refused write (which was refused whole).
  const values = async (node: TestServer, name: string): Promise<unknown[]> => (await answered(t, node, 'db1', `select v from ${name} order asc`))[0]!.points.map((p) => p[2]);
  for (const node of [a!, b!]) {
    t.deepEqual(await values(node, onA), [1, 3]);
    t.deepEqual(await values(node, onB), [1, 2, 5, 6, 7]);
  }
});

test.serial('kill -9 of a node under load: writers move to the others, and every acknowledged point is stored exactly once', async (t) => {
  const options = { cluster: 'node-death', nodes: ['a', 'b', 'c'], copies: 2 };
  const nodes = await startNodes(options);
  await createEverywhere(nodes, DURABILITY_DB);
  const live = new Set(nodes);
  const load = new AcknowledgedLoad(() => [...live], 6, 25);
  await sleep(1_500);
  live.delete(nodes[2]!);
  await nodes[2]!.kill9();
  const killedAt = load.acknowledged.size;
  await sleep(1_500);
  await load.stop();
  t.true(load.acknowledged.size > killedAt, 'writes go on through the surviving nodes');
  // With two copies of every partition, the survivors answer for all of them.
  for (const node of [nodes[0]!, nodes[1]!]) assertExactlyOnce(t, await readAllEventually(node, load.acknowledged), load.acknowledged, load.source.issued);
  const restarted = await startNode('c', { ...options, dataDir: nodes[2]!.dataDir });
  assertExactlyOnce(t, await readAllEventually(restarted, load.acknowledged), load.acknowledged, load.source.issued);
});

test.serial('a partition no live node stores answers 503, and the whole answer returns with its owner', async (t) => {
  const options = { cluster: 'no-owner', nodes: ['a', 'b'], copies: 1 };
  const [a, b] = await startNodes(options);
  await createEverywhere([a!, b!], 'db1');
  const series = Array.from({ length: 12 }, (_, i) => `s${i}`);
  await writeOk(a!, 'db1', series.map((name) => ({ name, columns: ['time', 'v'], points: [[1000, 1]] })), { precision: 'ms' });
  await b!.kill9();
  const refused = await query(a!, 'db1', 'select * from /^s/');
  t.is(refused.status, 503, refused.text);
  t.truthy(refused.headers.get('retry-after'));
  // Writes go on: the log takes them for the absent owner.
  await writeOk(a!, 'db1', series.map((name) => ({ name, columns: ['time', 'v'], points: [[2000, 2]] })), { precision: 'ms' });
  const back = await startNode('b', { ...options, dataDir: b!.dataDir });
  for (const node of [a!, back]) {
    // Node a learns that b is back from b's heartbeats: until then it still answers 503 with
    // Retry-After, and a client retries, as this one does (for at most 20 s).
    let result = await query(node, 'db1', 'select count(v) from /^s/');
    for (const deadline = Date.now() + 20_000; result.status === 503 && Date.now() < deadline; ) {
      await sleep(250);
      result = await query(node, 'db1', 'select count(v) from /^s/');
    }
    t.is(result.status, 200, result.text);
    const answer = JSON.parse(result.text) as { points: unknown[][] }[];
    t.deepEqual(answer.map((s) => s.points[0]![1]), series.map(() => 2));
  }
});

test.serial('points numbered by different nodes never share a sequence number', async (t) => {
  const options = { cluster: 'numbering', nodes: ['a', 'b'], copies: 2 };
  const nodes = await startNodes(options);
  await createEverywhere(nodes, 'db1');
  // Same series, same time, no sequence numbers: only the numbers the front ends lease keep them apart.
  // (Values differ: identical bodies would be one write, the log keeps one message per body.)
  const point = (v: number): SeriesInput[] => [{ name: 'same', columns: ['time', 'v'], points: [[1000, v]] }];
  await Promise.all(Array.from({ length: 40 }, (_, i) => writeOk(nodes[i % 2]!, 'db1', point(i), { precision: 'ms' })));
  // Node a reads back at once what it acknowledged; b's writes reach it a moment later.
  let numbers = new Set<unknown>();
  for (let tries = 0; tries < 50 && numbers.size < 40; tries++) {
    if (tries > 0) await sleep(100);
    const [stored] = await querySeries(nodes[0]!, 'db1', 'select * from same');
    numbers = new Set(stored!.points.map((p) => p[1]));
  }
  t.is(numbers.size, 40, 'every write is a point of its own');
});
