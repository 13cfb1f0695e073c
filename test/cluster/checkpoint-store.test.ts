/**
 * The cluster's checkpoint store on a three-server NATS JetStream cluster: real segment files
 * of a few MB in a temp dir go up and come back byte for byte; a newer checkpoint replaces the
 * files an older one listed; the highest position wins; a download racing a put gives the old
 * or the new checkpoint whole, or fails cleanly; the bucket outlives a NATS server's kill -9,
 * and a cluster with no server answers 503 once the store's call deadline has passed. Each test names its own
 * cluster (so its own bucket); the kill tests start NATS clusters of their own. One at a time:
 * on two cores, uploads running together slow each other past the timings.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { NatsConnection, ObjectStore } from 'nats';
import { beforeDeadline, DeadlineError } from '../../src/cluster/before-deadline.js';
import { CheckpointStore } from '../../src/cluster/checkpoint-store.js';
import type { ShardCheckpoint } from '../../src/storage/shard-checkpoint.js';
import { checkpointObjectName, segmentObjectName } from '../../src/cluster/checkpoint-object-names.js';
import { connectToCluster } from '../../src/cluster/nats-connection.js';
import { objectStoreHashIsNative } from '../../src/cluster/native-object-digest.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import { sleep } from '../helpers/client.js';
import { startNatsCluster, stopNatsClusters, streamLeader, type NatsCluster } from '../helpers/nats-cluster.js';

const MB = 1024 * 1024;

let shared: NatsCluster;
let sharedConnection: NatsConnection;
const connections: NatsConnection[] = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sluice-checkpoints-'));

test.before(async () => {
  shared = await startNatsCluster(3);
  sharedConnection = await connectTo(shared);
});

test.after.always(async () => {
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await stopNatsClusters();
  rmSync(scratch, { recursive: true, force: true });
});

async function connectTo(cluster: NatsCluster): Promise<NatsConnection> {
  const nc = await connectToCluster({ clusterNats: cluster.urls, clusterNodeId: 'checkpoint-test' });
  connections.push(nc);
  return nc;
}

const openStore = (nc: NatsConnection, clusterName: string) => CheckpointStore.open(nc, { clusterName, clusterReplicas: 3 });

/** The bucket itself, read past the store: what the store left in it. */
const bucket = (nc: NatsConnection, clusterName: string): Promise<ObjectStore> => nc.jetstream().views.os(`${clusterName}-checkpoints`);

let made = 0;

/** A checkpoint of random segment files of the given sizes, written to a directory of their own. */
function makeCheckpoint(position: number, sizes: readonly number[], names = sizes.map((_, i) => `seg-${position}-${i}.sgm`)): ShardCheckpoint {
  made += 1;
  const files = names.map((name, i) => {
    const file = path.join(scratch, `${made}-${name}`);
    writeFileSync(file, randomBytes(sizes[i]!));
    return { name, path: file, bytes: sizes[i]! };
  });
  return { position, manifest: JSON.stringify({ version: 1, position, segments: names }), files };
}

const target = (name: string): string => path.join(scratch, 'installed', `${name}-${++made}`);

/** `dir` holds exactly the checkpoint: its manifest, and each of its files byte for byte, nothing else. */
function assertInstalled(t: ExecutionContext, dir: string, checkpoint: ShardCheckpoint): void {
  t.is(readFileSync(path.join(dir, 'manifest.json'), 'utf8'), checkpoint.manifest);
  t.deepEqual(readdirSync(path.join(dir, 'segments')).sort(), checkpoint.files.map((f) => f.name).sort());
  for (const file of checkpoint.files) {
    t.true(readFileSync(path.join(dir, 'segments', file.name)).equals(readFileSync(file.path)), `${file.name} is byte-identical`);
  }
}

/** Nothing of a download is left beside its target: no staging directory. */
function assertNoStaging(t: ExecutionContext, dir: string): void {
  const parent = path.dirname(dir);
  const leftovers = existsSync(parent) ? readdirSync(parent).filter((name) => name.startsWith(`${path.basename(dir)}.`)) : [];
  t.deepEqual(leftovers, [], 'no partial download left behind');
}

test.serial('a checkpoint goes up and comes back byte for byte, and is the best one of its partition', async (t) => {
  const store = await openStore(sharedConnection, 'roundtrip');
  const checkpoint = makeCheckpoint(1234, [3 * MB, 2 * MB + 17, 4 * MB, 1]);
  await store.put(0, 'a', checkpoint);

  t.deepEqual(await store.best(0), { node: 'a', position: 1234 });
  t.is(await store.best(1), undefined, 'no checkpoint of another partition');
  const dir = target('roundtrip');
  t.is(await store.download(0, 'a', dir), 1234);
  assertInstalled(t, dir, checkpoint);
  assertNoStaging(t, dir);

  await t.throwsAsync(store.download(0, 'a', dir), { message: /not empty/ }, 'an installed checkpoint is never overwritten');

  // Uploads hash with Node's SHA-256, not the NATS client's JavaScript one, and the digest
  // the bucket records is still the standard one any client checks a download against.
  t.true(objectStoreHashIsNative());
  const objects = await bucket(sharedConnection, 'roundtrip');
  for (const file of checkpoint.files) {
    // Base64url with its padding (one '=' for 32 bytes), as the object store writes it.
    const expected = `SHA-256=${createHash('sha256').update(readFileSync(file.path)).digest('base64url')}=`;
    t.is((await objects.info(segmentObjectName(0, 'a', file.name)))!.digest, expected, `${file.name}'s recorded digest`);
  }
  const missing = target('missing');
  await t.throwsAsync(store.download(0, 'b', missing), { instanceOf: ServiceUnavailableError, message: /node b has no checkpoint of partition 0/ });
  t.false(existsSync(missing));
});

test.serial('a newer checkpoint uploads only its new files and deletes the ones it no longer lists', async (t) => {
  const store = await openStore(sharedConnection, 'replace');
  const objects = await bucket(sharedConnection, 'replace');
  const first = makeCheckpoint(10, [2 * MB, 2 * MB, 2 * MB], ['kept-1', 'kept-2', 'dropped']);
  await store.put(3, 'a', first);
  const keptRevision = (await objects.info(segmentObjectName(3, 'a', 'kept-1')))!.revision;

  const added = makeCheckpoint(20, [3 * MB], ['added']);
  const second: ShardCheckpoint = { position: 20, manifest: JSON.stringify({ position: 20 }), files: [first.files[0]!, first.files[1]!, added.files[0]!] };
  await store.put(3, 'a', second);

  t.is((await objects.info(segmentObjectName(3, 'a', 'kept-1')))!.revision, keptRevision, 'a file already stored is not uploaded again');
  t.is(await objects.get(segmentObjectName(3, 'a', 'dropped')), null, 'the file the new checkpoint dropped is deleted');
  t.truthy(await objects.info(segmentObjectName(3, 'a', 'added')));
  // A set: under load, the store's list() has once given an entry twice. It can also still
  // give a deleted entry, marked deleted, as the store itself reads it (checkpoint-store.ts),
  // and under load it has given one unmarked just after the get above found it deleted: the
  // listing is read again until it settles, for a few seconds at most.
  const expected = ['p3/a/checkpoint', 'p3/a/segments/added', 'p3/a/segments/kept-1', 'p3/a/segments/kept-2'];
  const listedNames = async (): Promise<string[]> => [...new Set((await objects.list()).filter((info) => !info.deleted).map((info) => info.name))].sort();
  let names = await listedNames();
  for (let waited = 0; waited < 5000 && JSON.stringify(names) !== JSON.stringify(expected); waited += 100) {
    await sleep(100);
    names = await listedNames();
  }
  t.deepEqual(names, expected);

  const dir = target('replace');
  t.is(await store.download(3, 'a', dir), 20);
  assertInstalled(t, dir, second);
});

test.serial("the best checkpoint is the highest position of any node's; positions() gives each partition's highest", async (t) => {
  const store = await openStore(sharedConnection, 'positions');
  const small = (position: number) => makeCheckpoint(position, [64 * 1024]);
  await store.put(1, 'a', small(100));
  const fromB = small(250);
  await store.put(1, 'b', fromB);
  await store.put(1, 'node/c', small(50));
  await store.put(0, 'node/c', small(70));
  await store.put(3, 'a', small(5));

  t.deepEqual(await store.best(1), { node: 'b', position: 250 });
  t.deepEqual(await store.best(0), { node: 'node/c', position: 70 }, 'a node id with a slash is kept whole');
  t.is(await store.best(2), undefined);
  t.deepEqual(await store.positions(4), [70, 250, 0, 5]);
  const dir = target('best');
  t.is(await store.download(1, 'b', dir), 250);
  assertInstalled(t, dir, fromB);

  await store.forget('b');
  t.deepEqual(await store.best(1), { node: 'a', position: 100 }, 'a node forgotten has no checkpoint left');
  const left = (await (await bucket(sharedConnection, 'positions')).list()).map((info) => info.name);
  t.false(left.some((name) => name.includes('/b/')), 'none of its files either');
});

test.serial('a download that meets a file deleted under it fails cleanly and leaves no directory', async (t) => {
  const store = await openStore(sharedConnection, 'vanished');
  await store.put(0, 'a', makeCheckpoint(7, [1 * MB, 1 * MB], ['one', 'two']));
  await (await bucket(sharedConnection, 'vanished')).delete(segmentObjectName(0, 'a', 'two'));

  const dir = target('vanished');
  await t.throwsAsync(store.download(0, 'a', dir), { instanceOf: ServiceUnavailableError, message: /p0\/a\/segments\/two is no longer in the checkpoint bucket/ });
  t.false(existsSync(dir));
  assertNoStaging(t, dir);
});

/**
 * Whether every file the partition's current record lists is in the bucket. Undefined when the
 * record changed while it was checked (a put deletes files only once a newer record is stored,
 * so files missing then prove nothing) or there is none.
 */
async function recordPointsAtPresentFiles(objects: ObjectStore, partition: number, node: string): Promise<boolean | undefined> {
  const name = checkpointObjectName(partition, node);
  const before = await objects.info(name);
  if (!before) return undefined;
  // The store's get waits forever for chunks a newer record's put purged meanwhile: that read proves nothing either.
  const blob = await beforeDeadline(objects.getBlob(name), Date.now() + 2_000).catch((err: unknown) => {
    if (err instanceof DeadlineError) return undefined;
    throw err;
  });
  if (!blob) return undefined;
  const record = JSON.parse(new TextDecoder().decode(blob)) as { files: { name: string }[] };
  const present = await Promise.all(
    record.files.map(async (file) => {
      const info = await objects.info(segmentObjectName(partition, node, file.name));
      return info !== null && !info.deleted;
    }),
  );
  return (await objects.info(name))?.revision === before.revision ? present.every(Boolean) : undefined;
}

test.serial('while a put replaces every file, the record only lists stored files, and a racing download gives the old or the new checkpoint whole, or fails cleanly', async (t) => {
  const store = await openStore(sharedConnection, 'race');
  const objects = await bucket(sharedConnection, 'race');
  let previous = makeCheckpoint(1, [4 * MB, 4 * MB, 4 * MB]);
  await store.put(0, 'a', previous);
  const outcomes: string[] = [];
  let checked = 0;
  for (const putDelayMs of [0, 150, 400, 1000]) {
    const next = makeCheckpoint(previous.position + 1, [4 * MB, 4 * MB, 4 * MB]);
    const dir = target('race');
    const downloading = store.download(0, 'a', dir).then(
      (position) => position,
      (err: unknown) => err,
    );
    await new Promise((resolve) => setTimeout(resolve, putDelayMs));
    let putDone = false;
    const replacing = store.put(0, 'a', next).finally(() => (putDone = true));
    while (!putDone) {
      const consistent = await recordPointsAtPresentFiles(objects, 0, 'a');
      if (consistent === undefined) continue;
      checked += 1;
      t.true(consistent, 'the current record lists only files the bucket holds');
    }
    await replacing;
    const downloaded = await downloading;
    if (downloaded instanceof ServiceUnavailableError) {
      outcomes.push('failed');
      t.false(existsSync(dir), 'a failed download leaves no directory');
    } else {
      t.true(downloaded === previous.position || downloaded === next.position, `an old or new position, not ${String(downloaded)}`);
      outcomes.push(downloaded === next.position ? 'new' : 'old');
      assertInstalled(t, dir, downloaded === next.position ? next : previous);
    }
    assertNoStaging(t, dir);
    previous = next;
  }
  t.true(checked > 0, 'the record was checked while puts ran');
  t.log(`downloads by the put's delay: ${outcomes.join(', ')}; records checked during puts: ${checked}`);
});

test.serial('a checkpoint stored with three replicas is downloaded after its bucket leader is killed -9, and again, promptly, while that server stays dead', async (t) => {
  const cluster = await startNatsCluster(3);
  const nc = await connectTo(cluster);
  const store = await openStore(nc, 'failover');
  const checkpoint = makeCheckpoint(42, [3 * MB, 3 * MB]);
  await store.put(5, 'a', checkpoint);

  await (await streamLeader(cluster, 'OBJ_failover-checkpoints')).kill9();

  const dir = target('failover');
  t.is(await store.download(5, 'a', dir), 42);
  assertInstalled(t, dir, checkpoint);
  t.deepEqual(await store.best(5), { node: 'a', position: 42 });

  // While a server stays dead, the others place many new consumers on it for minutes, and a
  // creation placed there never answers: read through nats.js's ordered consumer (which retries
  // under the same name), each download took 4–26 s; hedged creations take well under 2 s.
  const took: number[] = [];
  for (let i = 0; i < DOWNLOADS_WHILE_DEAD; i++) {
    const again = target('failover-again');
    const started = performance.now();
    t.is(await store.download(5, 'a', again), 42);
    took.push(Math.round(performance.now() - started));
    assertInstalled(t, again, checkpoint);
  }
  t.log(`downloads while the server stays dead: ${took.join(', ')} ms`);
  const total = took.reduce((sum, ms) => sum + ms, 0);
  t.true(total < DOWNLOADS_WHILE_DEAD * 2_500, `${DOWNLOADS_WHILE_DEAD} downloads took ${total} ms`);
  await cluster.stop();
});

/** Downloads in a row after the first, while the killed server stays dead. */
const DOWNLOADS_WHILE_DEAD = 8;

/** The unreachable store's call deadline: short, so the test waits it out in seconds rather than the default 30. */
const CALL_DEADLINE_MS = 3_000;
/** A try that is running when the deadline passes still runs to its own timeout (a read's is 2 s); the rest is a loaded machine's slack. */
const PAST_DEADLINE_MS = 5_000;

test.serial('with every NATS server down, calls answer 503 once their deadline has passed, not before', async (t) => {
  const cluster = await startNatsCluster(3);
  const nc = await connectTo(cluster);
  const store = await CheckpointStore.open(nc, { clusterName: 'unreachable', clusterReplicas: 3 }, { callDeadlineMs: CALL_DEADLINE_MS });
  await store.put(0, 'a', makeCheckpoint(3, [1024]));
  await Promise.all(cluster.nodes.map((node) => node.kill9()));

  const started = Date.now();
  const dir = target('unreachable');
  await t.throwsAsync(store.download(0, 'a', dir), { instanceOf: ServiceUnavailableError, message: /cannot read node a's checkpoint of partition 0/ });
  const waited = Date.now() - started;
  // The last try starts no later than one retry pause (250 ms) before the deadline.
  t.true(waited >= CALL_DEADLINE_MS - 250, `gave up after ${waited} ms, before its deadline`);
  t.true(waited < CALL_DEADLINE_MS + PAST_DEADLINE_MS, `gave up after ${waited} ms`);
  t.false(existsSync(dir));
  assertNoStaging(t, dir);
  await cluster.stop();
});
