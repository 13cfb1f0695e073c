/**
 * Nodes of a cluster reduced to their shard calls, for the tests of calls between nodes: a
 * real RemoteShardCalls (the calling node) and real ShardServices (the answering owners of
 * partition 0), each on its own connection to a real nats-server and answering from a real
 * Storage. Messages are lost by a connection that drops the publishes a test picks, as the
 * network would.
 */
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type Msg, type NatsConnection, type PublishOptions } from 'nats';
import { Ownership } from '../../src/cluster/ownership.js';
import { RemoteShardCalls } from '../../src/cluster/shard-calls.js';
import { ShardService } from '../../src/cluster/shard-service.js';
import { defaultSettings } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import type { Page, ScanRequest } from '../../src/operators/scan-cursor.js';
import { Storage } from '../../src/shards/storage.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';
import type { NatsCluster } from './nats-cluster.js';

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

/**
 * A real Storage of one shard holding `points` rows of series `cpu`, row i's string column
 * `text` being `<prefix><i>:` padded with `x` to `textBytes` characters.
 */
export async function storageWith(t: ExecutionContext, points: number, textBytes: number, prefix = ''): Promise<Storage> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-calls-'));
  const storage = await Storage.open({ ...defaultSettings(), dataDir, walFsync: 'never' }, { formatVersion: 1, shards: 1 }, ['db']);
  t.teardown(async () => {
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const value = allocateColumn('text', points);
  for (let i = 0; i < points; i++) {
    value.kinds[i] = ValueKind.String;
    value.floats[i] = i;
    value.strings.push(`${prefix}${i}:`.padEnd(textBytes, 'x'));
  }
  const time = Float64Array.from({ length: points }, (_, i) => 1_000_000 * (i + 1));
  const batch = encodeWriteBatch('db', [{ series: 'cpu', count: points, time, seq: new Float64Array(points), columns: [value] }]);
  await storage.write([batch.buffer as ArrayBuffer], 1);
  return storage;
}

export interface Conditions {
  /** Picks, by subject, the requests the calling node's connection loses. */
  readonly loseRequest?: (subject: string) => boolean;
  /** Picks, by subject, the reply parts the answering node's connection loses. */
  readonly loseReply?: (subject: string) => boolean;
  /** How long every call waits for its barrier, as one does while the answering node catches up with the log. */
  readonly barrierMs?: number;
}

export interface AnsweringNode {
  /** How many times the node ran a call (each waits on the barrier once). */
  readonly runs: () => number;
  /** Requests the node received, repeats included. */
  readonly received: () => number;
  /** The node is gone: nobody takes its calls any more. */
  readonly stop: () => Promise<void>;
}

/** Node `id` of `nodes`, all owners of partition 0, answering for it from `storage`. */
export async function answeringNode(t: ExecutionContext, nats: NatsCluster, id: string, nodes: string[], storage: Storage, conditions: Conditions = {}): Promise<AnsweringNode> {
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
    serves: () => true,
    async waitApplied(): Promise<void> {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, conditions.barrierMs ?? 0));
    },
  };
  const service = new ShardService(counted, 'retry', new Ownership(1, id, nodes, nodes.length), storage, barrier, createLogger('silent'));
  service.serve(0);
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
export async function callingNode(t: ExecutionContext, nats: NatsCluster, nodes: string[], conditions: Conditions = {}): Promise<RemoteShardCalls> {
  const nc = await connect({ servers: nats.urls });
  const remote = new RemoteShardCalls(lossy(nc, conditions.loseRequest ?? (() => false)), 'retry', new Ownership(1, 'a', nodes, nodes.length));
  await nc.flush();
  t.teardown(async () => {
    remote.close();
    await nc.close();
  });
  return remote;
}

export const scanOf = (pointsPerPage: number): ScanRequest & { status: object } => ({
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

/** A remote scan of partition 0's `cpu`: its cursor number on the node that opened it. */
export async function openRemoteScan(remote: RemoteShardCalls, pointsPerPage: number): Promise<number> {
  return ((await remote.call(0, { name: 'openScan', task: scanOf(pointsPerPage), after: 0 })) as { cursorId: number }).cursorId;
}

/** The next page of a remote cursor on partition 0, as its rows' `text` values without padding. */
export async function nextRemotePage(remote: RemoteShardCalls, cursorId: number): Promise<{ texts: string[]; done: boolean }> {
  const page = (await remote.call(0, { name: 'nextPage', task: { cursorId }, after: 0 })) as Page;
  const body = Buffer.from(page.body).toString('utf8');
  return { texts: [...body.matchAll(/"(\w*?\d+):x*"/g)].map((match) => match[1]!), done: page.done };
}

/** Every row's `text` value, page by page, through a remote cursor; `calls`: the shard calls it took. */
export async function scanAll(remote: RemoteShardCalls, pointsPerPage: number): Promise<{ texts: string[]; calls: number }> {
  const cursorId = await openRemoteScan(remote, pointsPerPage);
  const texts: string[] = [];
  let calls = 1;
  for (let done = false; !done; calls++) {
    const page = await nextRemotePage(remote, cursorId);
    texts.push(...page.texts);
    done = page.done;
  }
  return { texts, calls };
}
