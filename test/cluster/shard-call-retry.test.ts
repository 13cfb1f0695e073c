/**
 * Shard calls between nodes survive a lost NATS message (core NATS delivers at most once): the
 * caller sends the call again, and the answering node answers it from memory rather than run it
 * again, so a paged scan returns every row exactly once. A real RemoteShardCalls and a real
 * ShardService over a real nats-server and a real Storage; messages are lost by a connection
 * that drops the publishes a test picks, as the network would.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type Msg, type NatsConnection, type PublishOptions } from 'nats';
import { RemoteShardCalls } from '../../src/cluster/shard-calls.js';
import { ShardService } from '../../src/cluster/shard-service.js';
import { Ownership } from '../../src/cluster/ownership.js';
import { defaultSettings } from '../../src/config.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import type { Page, ScanRequest } from '../../src/storage/scan.js';
import { Storage } from '../../src/storage/storage.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';
import { startNatsCluster, stopNatsClusters, type NatsCluster } from '../helpers/nats-cluster.js';

let nats: NatsCluster;

test.before(async () => {
  nats = await startNatsCluster(1);
});
test.after.always(stopNatsClusters);

/** A real connection whose publishes `lose` picks (by subject) are never sent: a message NATS lost. */
function lossy(nc: NatsConnection, lose: (subject: string) => boolean): NatsConnection {
  return new Proxy(nc, {
    get(target, key, receiver) {
      if (key !== 'publish') {
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (subject: string, data?: Uint8Array, options?: Partial<PublishOptions>): void => {
        if (!lose(subject)) target.publish(subject, data, options);
      };
    },
  });
}

/** A real Storage of one shard holding `points` rows of series `cpu`, a string column of `textBytes` characters each. */
async function storageWith(t: ExecutionContext, points: number, textBytes: number): Promise<Storage> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-retry-'));
  const storage = await Storage.open({ ...defaultSettings(), dataDir, walFsync: 'never' }, { formatVersion: 1, shards: 1 }, ['db']);
  t.teardown(async () => {
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const value = allocateColumn('text', points);
  for (let i = 0; i < points; i++) {
    value.kinds[i] = ValueKind.String;
    value.floats[i] = i;
    value.strings.push(`${i}:`.padEnd(textBytes, 'x'));
  }
  const time = Float64Array.from({ length: points }, (_, i) => 1_000_000 * (i + 1));
  const batch = encodeWriteBatch('db', [{ series: 'cpu', count: points, time, seq: new Float64Array(points), columns: [value] }]);
  await storage.write([batch.buffer as ArrayBuffer], 1);
  return storage;
}

interface Conditions {
  /** Picks, by subject, the requests the calling node's connection loses. */
  readonly loseRequest?: (subject: string) => boolean;
  /** Picks, by subject, the reply parts the answering node's connection loses. */
  readonly loseReply?: (subject: string) => boolean;
  /** How long every call waits for its barrier, as one does while the answering node catches up with the log. */
  readonly barrierMs?: number;
}

interface AnsweringNode {
  /** How many times the node ran a call (each waits on the barrier once). */
  readonly runs: () => number;
  /** Requests the node received, repeats included. */
  readonly received: () => number;
  /** The node is gone: nobody takes its calls any more. */
  readonly stop: () => Promise<void>;
}

/** Node `id` of `nodes`, all owners of partition 0, answering for it from `storage`. */
async function answeringNode(t: ExecutionContext, id: string, nodes: string[], storage: Storage, conditions: Conditions): Promise<AnsweringNode> {
  const nc = await connect({ servers: nats.urls });
  let received = 0;
  const counted = new Proxy(lossy(nc, conditions.loseReply ?? (() => false)), {
    get(target, key, receiver) {
      if (key !== 'subscribe') return Reflect.get(target, key, receiver) as unknown;
      return (subject: string, options: { callback: (err: Error | null, message: Msg) => void }) =>
        target.subscribe(subject, { callback: (err, message) => (received++, options.callback(err, message)) });
    },
  });
  let runs = 0;
  const barrier = {
    async waitApplied(): Promise<void> {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, conditions.barrierMs ?? 0));
    },
  };
  const service = new ShardService(counted, 'retry', new Ownership(1, id, nodes, nodes.length), storage, barrier, createLogger('silent'));
  service.start();
  await nc.flush();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    service.stop();
    await nc.close();
  };
  t.teardown(stop);
  return { runs: () => runs, received: () => received, stop };
}

/** Node `a`, which stores no partition, calling partition 0 of `nodes`. */
async function callingNode(t: ExecutionContext, nodes: string[], conditions: Conditions): Promise<RemoteShardCalls> {
  const nc = await connect({ servers: nats.urls });
  const remote = new RemoteShardCalls(lossy(nc, conditions.loseRequest ?? (() => false)), 'retry', new Ownership(1, 'a', nodes, nodes.length));
  await nc.flush();
  t.teardown(async () => {
    remote.close();
    await nc.close();
  });
  return remote;
}

/** Node `a` calls partition 0, which node `b` stores (see storageWith). */
async function callerAndService(t: ExecutionContext, points: number, textBytes: number, conditions: Conditions): Promise<AnsweringNode & { remote: RemoteShardCalls }> {
  const node = await answeringNode(t, 'b', ['b'], await storageWith(t, points, textBytes), conditions);
  return { ...node, remote: await callingNode(t, ['b'], conditions) };
}

const scanOf = (pointsPerPage: number): ScanRequest & { status: object } => ({
  db: 'db',
  series: ['cpu'],
  startUs: 0,
  endUs: Number.MAX_SAFE_INTEGER,
  fields: '*',
  order: 'asc',
  where: undefined,
  whereColumns: [],
  limit: 0,
  precision: 'u',
  pointsPerObject: pointsPerPage,
  pointsPerPage,
  rowIndent: null,
  // The answering node puts its own transaction status in its place.
  status: {},
});

/** Every row's `text` value, page by page, through the remote cursor. */
async function scanAll(remote: RemoteShardCalls, pointsPerPage: number): Promise<{ texts: string[]; calls: number }> {
  const { cursorId } = (await remote.call(0, { name: 'openScan', task: scanOf(pointsPerPage), after: 0 })) as { cursorId: number };
  const texts: string[] = [];
  let calls = 1;
  for (let done = false; !done; calls++) {
    const page = (await remote.call(0, { name: 'nextPage', task: { cursorId }, after: 0 })) as Page;
    done = page.done;
    const body = Buffer.from(page.body).toString('utf8');
    for (const match of body.matchAll(/"(\d+):x*"/g)) texts.push(match[1]!);
  }
  return { texts, calls };
}

const expectedTexts = (points: number): string[] => Array.from({ length: points }, (_, i) => String(i));

test.serial('a lost reply to nextPage is asked for again and answered from memory: every row once, no page run twice', async (t) => {
  let replies = 0;
  // The third reply answers the second nextPage: lose it, as NATS may under load.
  const pair = await callerAndService(t, 50, 4, { loseReply: () => ++replies === 3 });
  const started = Date.now();
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(50));
  t.is(pair.runs(), calls, 'each call ran once');
  t.is(pair.received(), calls + 1, 'the call whose reply was lost came again');
  const tookMs = Date.now() - started;
  t.log(`${calls} calls, one reply lost: ${tookMs} ms`);
  t.true(tookMs < 5_000, 'recovered within seconds, not after the 10 s deadline');
});

test.serial('a lost request is sent again and runs once', async (t) => {
  let requests = 0;
  const pair = await callerAndService(t, 30, 4, { loseRequest: (subject) => subject.startsWith('retry.shard.') && ++requests === 2 });
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(30));
  t.is(pair.runs(), calls);
  t.is(pair.received(), calls, 'the lost request never arrived; its repeat did');
});

test.serial('a reply split into parts with one part lost is asked for again and arrives whole', async (t) => {
  // 2,500 rows of 1,000 bytes: a page of about 2.5 MB, three NATS messages of at most 1 MiB.
  const partsPerReply = new Map<string, number>();
  let lost = false;
  const loseFirstMiddlePart = (subject: string): boolean => {
    const parts = (partsPerReply.get(subject) ?? 0) + 1;
    partsPerReply.set(subject, parts);
    if (parts !== 2 || lost) return false;
    lost = true;
    return true;
  };
  const pair = await callerAndService(t, 2_500, 1_000, { loseReply: loseFirstMiddlePart });
  const { texts, calls } = await scanAll(pair.remote, 2_500);
  t.true(lost);
  t.is(Math.max(...partsPerReply.values()), 3, 'the page came in three parts');
  t.deepEqual(texts, expectedTexts(2_500));
  t.is(pair.runs(), calls);
  t.is(pair.received(), calls + 1);
});

test.serial('a call repeated while it still runs waits for it and gets the same answer', async (t) => {
  // Each call waits 1.5 s for its barrier: the caller repeats it at 1 s, while it runs.
  const pair = await callerAndService(t, 10, 4, { barrierMs: 1_500 });
  const { texts, calls } = await scanAll(pair.remote, 10);
  t.deepEqual(texts, expectedTexts(10));
  t.is(pair.runs(), calls, 'the repeats did not run the calls again');
  t.true(pair.received() > calls, 'the calls were repeated');
});

test.serial('a call on a cursor whose node is gone answers 503: another owner may hold the same cursor number for another query', async (t) => {
  const nodes = ['b', 'c'];
  const [opener, other] = new Ownership(1, 'a', nodes, 2).owners(0) as [string, string];
  const openerNode = await answeringNode(t, opener, nodes, await storageWith(t, 30, 4), {});
  const otherStorage = await storageWith(t, 30, 4);
  const otherNode = await answeringNode(t, other, nodes, otherStorage, {});
  const remote = await callingNode(t, nodes, {});
  const { cursorId } = (await remote.call(0, { name: 'openScan', task: scanOf(10), after: 0 })) as { cursorId: number };
  const othersCursor = await otherStorage.shards[0]!.openScan({ ...scanOf(10), endUs: 5_000_000 });
  t.is(othersCursor, cursorId, 'the other owner has a cursor of its own by that number');
  await openerNode.stop();
  const refusal = await t.throwsAsync(remote.call(0, { name: 'nextPage', task: { cursorId }, after: 0 }), { instanceOf: ServiceUnavailableError });
  t.regex(refusal?.message ?? '', new RegExp(`^${opener}, which held this query's cursor`));
  t.is(otherNode.runs(), 0, 'the call never went to the other owner');
  await remote.call(0, { name: 'openScan', task: scanOf(10), after: 0 });
  t.is(otherNode.runs(), 1, 'a new query opens on the other owner');
});
