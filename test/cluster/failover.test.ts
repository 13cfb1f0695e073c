/**
 * A dead owner's partitions move to the survivors (issue 10): with one copy of each partition,
 * kill -9 of its owner after its stream was purged below a checkpoint; a survivor adopts the
 * checkpoint, replays the rest of the stream, and answers for the partition with every
 * acknowledged point exactly once. The owner, started again, takes its partitions back. A
 * front-end-only node (not listed) answers like the others, and its kill -9 loses nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { connect } from 'nats';
import { preferredPlacement } from '../../src/cluster/assignment.js';
import { shardOf } from '../../src/storage/router.js';
import { AcknowledgedLoad, assertExactlyOnce, DURABILITY_DB, readAllEventually } from '../helpers/acknowledged-points.js';
import { createDb, query, sleep, type Target } from '../helpers/client.js';
import { startNatsCluster, stopNatsClusters, TEST_LOG_LIMIT, type NatsCluster } from '../helpers/nats-cluster.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let nats: NatsCluster;

test.before(async () => {
  nats = await startNatsCluster(3);
});
test.after.always(cleanupServers);
test.after.always(stopNatsClusters);

const CLUSTER = 'failover';
const NODES = ['a', 'b', 'c'];
const PARTITIONS = 4;

function startNode(id: string, dataDir?: string): Promise<TestServer> {
  const args = ['--cluster-nats', nats.urls, '--cluster-name', CLUSTER, '--cluster-node-id', id, '--cluster-nodes', NODES.join(','), '--cluster-copies', '1'];
  // Checkpoints go up and streams are purged every 2 s instead of 10 s: the test waits for both.
  const timing = ['--flush-idle-ms', '200', '--cluster-report-interval-ms', '2000'];
  return startServer({ ...(dataDir ? { dataDir } : {}), args: [...args, '--shards', String(PARTITIONS), ...timing, ...TEST_LOG_LIMIT], startTimeoutMs: 60_000 });
}

/** Until `probe` holds, checking every 200 ms; fails after `ms`. */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(200);
  }
  return Date.now() - started;
}

/** The threads of a process, from /proc (Linux). */
function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

async function answers(node: Target): Promise<boolean> {
  return (await query(node, DURABILITY_DB, 'select count(value) from /^dur\\./')).status === 200;
}

test.serial("a dead owner's partitions move to a survivor, which adopts their checkpoint and stores every acknowledged point once; a front end dies too", async (t) => {
  // Node f is not listed: a front end only, storing nothing.
  const [frontEnd, ...nodes] = await Promise.all(['f', ...NODES].map((id) => startNode(id)));
  await createDb(nodes[0]!, DURABILITY_DB);
  await until('the database on every node', 10_000, async () => (await Promise.all([frontEnd!, ...nodes].map((node) => query(node, DURABILITY_DB, 'list series')))).every((r) => r.status === 200));
  // The victim owns the partition of the first series the load writes.
  const partition = shardOf(DURABILITY_DB, 'dur.a', PARTITIONS);
  const victimId = preferredPlacement(PARTITIONS, NODES, 1)[partition]![0]!;
  const victim = nodes[NODES.indexOf(victimId)]!;
  const survivors = nodes.filter((node) => node !== victim);

  let load = new AcknowledgedLoad(() => [frontEnd!, ...nodes], 4, 25);
  await sleep(1_500);
  await load.stop();
  const firstPart = load.acknowledged;
  // Idle shards flush; the owner uploads a checkpoint and purges the stream below it.
  const nc = await connect({ servers: nats.urls.split(',') });
  try {
    const jsm = await nc.jetstreamManager();
    const purged = await until('the stream purged below a checkpoint', 30_000, async () => (await jsm.streams.info(`${CLUSTER}-p${partition}`)).state.first_seq > 1);
    t.log(`partition ${partition} (owner ${victimId}) purged after ${purged} ms`);
  } finally {
    await nc.close();
  }
  assertExactlyOnce(t, await readAllEventually(frontEnd!, firstPart), firstPart, load.source.issued);
  t.true(frontEnd!.output().includes('"stored":[]'), 'the front end stores no partition');
  // It opens no shard either: no shard thread, nothing on disk, where an owner has one of each per partition.
  t.false(existsSync(path.join(frontEnd!.dataDir, 'shards')), 'the front end made no shard directory');
  t.is(readdirSync(path.join(nodes[0]!.dataDir, 'shards')).length, PARTITIONS, 'an owner has every partition\'s shard');
  t.true(threadCount(frontEnd!.pid) + PARTITIONS <= threadCount(nodes[0]!.pid), `the front end runs ${threadCount(frontEnd!.pid)} threads, an owner ${threadCount(nodes[0]!.pid)}`);

  const targets = new Set([frontEnd!, ...survivors]);
  load = new AcknowledgedLoad(() => [...targets], 4, 25, load.source);
  await sleep(500);
  targets.delete(frontEnd!);
  await frontEnd!.kill9();
  await sleep(300);
  await victim.kill9();
  const refused = await query(survivors[0]!, DURABILITY_DB, 'select count(value) from /^dur\\./');
  t.is(refused.status, 503, 'right after the death, nobody answers for its partitions');
  const movedAfter = await until('a survivor answering for the dead node', 30_000, () => answers(survivors[0]!));
  t.log(`answered again ${movedAfter} ms after the kill`);
  t.true(
    survivors.some((node) => node.output().includes('adopted a checkpoint of the partition')),
    'the stream no longer held the partition from its start: a survivor took it from the checkpoint',
  );
  await sleep(500);
  await load.stop();
  const acknowledged = new Set([...firstPart, ...load.acknowledged]);
  for (const node of survivors) {
    assertExactlyOnce(t, await readAllEventually(node, acknowledged), acknowledged, load.source.issued);
  }

  // The owner returns: it takes its partitions back once caught up, and answers with them.
  const back = await startNode(victimId, victim.dataDir);
  await until('the returned node answering', 30_000, () => answers(back));
  assertExactlyOnce(t, await readAllEventually(back, acknowledged), acknowledged, load.source.issued);
});
