import type { KV, NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { ServiceUnavailableError } from '../errors.js';
import { StartupError } from '../startup-error.js';

/** Ordinals a front end takes from the shared counter at once, so it asks rarely. */
const ORDINALS_PER_LEASE = 1 << 20;
/** A write waits this long at most for a lease (NATS unreachable), then answers 503. */
const LEASE_DEADLINE_MS = 10_000;
/** One KV request waits this long for a server. */
const KV_TIMEOUT_MS = 3_000;
/** A node that has not reported its stored positions for this long no longer holds back purges. */
const POSITIONS_EXPIRE_MS = 10 * 60_000;
const PARTITIONS_KEY = 'partitions';
/** How long start-up keeps trying the cluster's KV bucket (its election after a creation takes seconds). */
const START_DEADLINE_MS = 30_000;
const SEQUENCE_KEY = 'sequence';
const POSITIONS_PREFIX = 'stored.';
const DROPPED_PREFIX = 'dropped.';

interface StoredPositions {
  readonly at: number;
  /** Per partition; null for one the node does not store. */
  readonly applied: readonly (number | null)[];
}

/**
 * The cluster's own small facts, in a replicated KV bucket beside the metadata: the partition
 * count (fixed when the cluster is created), the sequence-number counter front ends lease
 * ordinals from (so points numbered by different front ends never share a number), and how
 * far each node has stored each partition (streams are purged only below every node's position).
 */
export class ClusterState {
  private leaseNext = 0;
  private leaseEnd = 0;
  private leasing: Promise<void> | undefined;

  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, settings: Pick<Settings, 'clusterName' | 'clusterReplicas'>): Promise<ClusterState> {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      try {
        const kv = await nc.jetstream({ timeout: KV_TIMEOUT_MS }).views.kv(`${settings.clusterName}-cluster`, { replicas: settings.clusterReplicas, history: 1 });
        return new ClusterState(kv);
      } catch (err) {
        if (Date.now() > deadline) throw new StartupError(`cannot open the cluster's KV bucket ${settings.clusterName}-cluster: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /**
   * The cluster's partition count: the first node to start records its own; every later node
   * must have the same, since a series' partition is a function of it.
   */
  async agreePartitions(local: number): Promise<number> {
    // Nodes starting together race to create the bucket and the key; a new bucket may not
    // answer reads for a moment.
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      try {
        const entry = await this.kv.get(PARTITIONS_KEY);
        if (entry === null || entry.operation !== 'PUT') {
          await this.kv.create(PARTITIONS_KEY, new TextEncoder().encode(String(local)));
          return local;
        }
        const recorded = Number(entry.string());
        if (!Number.isInteger(recorded) || recorded <= 0) throw new StartupError(`the cluster's partition count cannot be read (${entry.string()})`);
        return recorded;
      } catch (err) {
        if (err instanceof StartupError) throw err;
        if (Date.now() > deadline) throw new StartupError(`cannot agree on the cluster's partition count: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** `count` consecutive ordinals no other front end hands out; returns the first. */
  async reserveOrdinals(count: number): Promise<number> {
    while (this.leaseEnd - this.leaseNext < count) {
      this.leasing ??= this.lease(count).finally(() => (this.leasing = undefined));
      await this.leasing;
    }
    const first = this.leaseNext;
    this.leaseNext += count;
    return first;
  }

  /** Moves the shared counter past a new block with compare-and-set; a lost race tries again. */
  private async lease(atLeast: number): Promise<void> {
    const size = Math.max(atLeast, ORDINALS_PER_LEASE);
    const deadline = Date.now() + LEASE_DEADLINE_MS;
    while (Date.now() < deadline) {
      try {
        const entry = await this.kv.get(SEQUENCE_KEY);
        // Ordinal 0 is never handed out: sequence number 1 stays 0.8's "first point" as on a single node.
        const start = entry ? Number(entry.string()) : 1;
        const end = start + size;
        if (entry) await this.kv.update(SEQUENCE_KEY, new TextEncoder().encode(String(end)), entry.revision);
        else await this.kv.create(SEQUENCE_KEY, new TextEncoder().encode(String(end)));
        this.leaseNext = start;
        this.leaseEnd = end;
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      }
    }
    throw new ServiceUnavailableError('cannot lease sequence numbers from the cluster; retry later');
  }

  /**
   * Records that the database created at `created` is dropped, before the drop is logged: a
   * write checked against it but logged after the drop is then known stale wherever it is read.
   */
  async recordDropped(db: string, created: number): Promise<void> {
    const key = DROPPED_PREFIX + Buffer.from(db).toString('base64url');
    for (let attempt = 0; attempt < 20; attempt++) {
      const entry = await this.kv.get(key);
      const generations = entry ? (JSON.parse(entry.string()) as number[]) : [];
      if (generations.includes(created)) return;
      const value = new TextEncoder().encode(JSON.stringify([...generations, created]));
      try {
        if (entry) await this.kv.update(key, value, entry.revision);
        else await this.kv.create(key, value);
        return;
      } catch {
        // Another node recorded a drop of this name meanwhile: read again.
      }
    }
    throw new ServiceUnavailableError(`cannot record the drop of ${db} in the cluster; retry later`);
  }

  /** Every dropped database generation: db → the creation times of its dropped instances. */
  async droppedGenerations(): Promise<Map<string, Set<number>>> {
    const dropped = new Map<string, Set<number>>();
    for await (const key of await this.kv.keys(`${DROPPED_PREFIX}>`)) {
      const entry = await this.kv.get(key);
      if (!entry) continue;
      const db = Buffer.from(key.slice(DROPPED_PREFIX.length), 'base64url').toString('utf8');
      dropped.set(db, new Set(JSON.parse(entry.string()) as number[]));
    }
    return dropped;
  }

  async reportStored(nodeId: string, applied: readonly (number | null)[]): Promise<void> {
    const positions: StoredPositions = { at: Date.now(), applied };
    await this.kv.put(POSITIONS_PREFIX + nodeId, new TextEncoder().encode(JSON.stringify(positions)));
  }

  /** Per partition, the lowest position any recently seen node has stored: the stream may drop what is below. */
  async storedEverywhere(partitions: number): Promise<number[]> {
    const lowest = Array.from({ length: partitions }, () => Number.POSITIVE_INFINITY);
    for await (const key of await this.kv.keys(`${POSITIONS_PREFIX}>`)) {
      const entry = await this.kv.get(key);
      if (!entry) continue;
      const positions = JSON.parse(entry.string()) as StoredPositions;
      if (Date.now() - positions.at > POSITIONS_EXPIRE_MS) continue;
      positions.applied.forEach((applied, p) => {
        if (applied !== null && p < partitions) lowest[p] = Math.min(lowest[p]!, applied);
      });
    }
    return lowest.map((value) => (Number.isFinite(value) ? value : 0));
  }
}
