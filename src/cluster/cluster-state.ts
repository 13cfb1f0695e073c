import type { JetStreamClient, KV, NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { ServiceUnavailableError } from '../errors.js';
import { compareAndSet, isWrongRevision, kvSubject } from './kv-compare-and-set.js';
import type { Assignment } from './assignment.js';
import { bucketKeys } from './kv-keys.js';
import { retryUntil, untilStarted } from './retry.js';

/** Ordinals a front end takes from the shared counter at once, so it asks rarely. */
const ORDINALS_PER_LEASE = 1 << 20;
/** A change of the shared facts waits this long at most (NATS unreachable), then answers 503. */
const CHANGE_DEADLINE_MS = 10_000;
/** One KV request waits this long for a server. */
const KV_TIMEOUT_MS = 3_000;
/** A node that has not reported its stored positions for this long no longer holds back purges. */
const POSITIONS_EXPIRE_MS = 10 * 60_000;
const STATE_KEY = 'state';

/** The facts every node must agree on, changed together by compare-and-set. */
interface SharedFacts {
  /** Fixed by the first node to start: a series' partition is a function of it. */
  readonly partitions?: number;
  /** The next sequence-number ordinal no front end has leased. */
  readonly nextOrdinal: number;
  /** db → the creation times of its dropped instances (recordDropped). */
  readonly dropped: Readonly<Record<string, readonly number[]>>;
  /** With a node list: who stores which partition (controller.ts); absent until first changed. */
  readonly assignment?: Assignment;
}

interface StoredPositions {
  readonly at: number;
  /** Per partition; null for one the node does not store. */
  readonly applied: readonly (number | null)[];
}

/**
 * The cluster's own small facts, in replicated KV buckets beside the metadata. One bucket holds
 * what nodes must agree on — the partition count, the sequence-number counter front ends lease
 * ordinals from (so points numbered by different front ends never share a number), the dropped
 * databases — as one document changed by compare-and-set. Another holds how far each node has
 * stored each partition (streams are purged only below every owner's position).
 */
export class ClusterState {
  private leaseNext = 0;
  private leaseEnd = 0;
  private leasing: Promise<void> | undefined;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly facts: KV,
    private readonly factsSubject: string,
    private readonly positions: KV,
  ) {}

  static async open(nc: NatsConnection, settings: Pick<Settings, 'clusterName' | 'clusterReplicas'>): Promise<ClusterState> {
    const js = nc.jetstream({ timeout: KV_TIMEOUT_MS });
    const bucket = `${settings.clusterName}-cluster`;
    const options = { replicas: settings.clusterReplicas, history: 1 };
    const [facts, positions] = await untilStarted(`cannot open the cluster's KV buckets ${bucket} and ${bucket}-positions`, () =>
      Promise.all([js.views.kv(bucket, options), js.views.kv(`${bucket}-positions`, options)]),
    );
    return new ClusterState(js, facts, kvSubject(bucket, STATE_KEY), positions);
  }

  /**
   * The cluster's partition count: the first node to start records its own; every later node
   * must have the same, since a series' partition is a function of it.
   */
  async agreePartitions(local: number): Promise<number> {
    const facts = await untilStarted("cannot agree on the cluster's partition count", () => this.change((current) => (current.partitions === undefined ? { ...current, partitions: local } : current)));
    return facts.partitions!;
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

  private async lease(atLeast: number): Promise<void> {
    const size = Math.max(atLeast, ORDINALS_PER_LEASE);
    let start = 0;
    await this.withinDeadline('cannot lease sequence numbers from the cluster', () =>
      this.change((current) => {
        start = current.nextOrdinal;
        return { ...current, nextOrdinal: start + size };
      }),
    );
    this.leaseNext = start;
    this.leaseEnd = start + size;
  }

  /**
   * Records that the database created at `created` is dropped, before the drop is logged: a
   * write checked against it but logged after the drop is then known stale wherever it is read.
   */
  async recordDropped(db: string, created: number): Promise<void> {
    await this.withinDeadline(`cannot record the drop of ${db} in the cluster`, () =>
      this.change((current) => {
        const generations = Object.hasOwn(current.dropped, db) ? current.dropped[db]! : [];
        if (generations.includes(created)) return current;
        const dropped = { ...current.dropped };
        Object.defineProperty(dropped, db, { value: [...generations, created], enumerable: true, writable: true, configurable: true });
        return { ...current, dropped };
      }),
    );
  }

  /** Every dropped database generation: db → the creation times of its dropped instances. */
  async droppedGenerations(): Promise<Map<string, Set<number>>> {
    const { facts } = await this.read();
    return new Map(Object.entries(facts.dropped).map(([db, generations]) => [db, new Set(generations)]));
  }

  /** The assignment recorded in the shared facts, if any controller has changed it yet. */
  async assignment(): Promise<Assignment | undefined> {
    return (await this.read()).facts.assignment;
  }

  /**
   * Records `next` if the recorded assignment is still `from` (by epoch; none recorded counts as
   * `from` when that is the initial one). Whether it was recorded: another controller may have
   * moved first, and then this one looks again at its next round.
   */
  async changeAssignment(from: Assignment, next: Assignment): Promise<boolean> {
    let recorded = false;
    await this.change((current) => {
      const epoch = current.assignment?.epoch ?? 1;
      recorded = epoch === from.epoch;
      return recorded ? { ...current, assignment: next } : current;
    });
    return recorded;
  }

  async reportStored(nodeId: string, applied: readonly (number | null)[]): Promise<void> {
    const positions: StoredPositions = { at: Date.now(), applied };
    await this.positions.put(nodeId, new TextEncoder().encode(JSON.stringify(positions)));
  }

  /**
   * Per partition, the lowest position any recently seen owner has stored: the stream may drop
   * what is below. `ownersOf` (with a node list) names the partition's current owners: only
   * their reports count, and an owner that has reported nothing holds everything back.
   */
  async storedEverywhere(partitions: number, ownersOf?: (partition: number) => readonly string[]): Promise<number[]> {
    const lowest = Array.from({ length: partitions }, () => Number.POSITIVE_INFINITY);
    const reports = new Map<string, StoredPositions>();
    for (const key of await bucketKeys(this.positions)) {
      const entry = await this.positions.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const reported = JSON.parse(entry.string()) as StoredPositions;
      if (ownersOf !== undefined || Date.now() - reported.at <= POSITIONS_EXPIRE_MS) reports.set(key, reported);
    }
    if (ownersOf !== undefined) {
      for (let p = 0; p < partitions; p++) for (const node of ownersOf(p)) lowest[p] = Math.min(lowest[p]!, reports.get(node)?.applied[p] ?? 0);
      return lowest.map((value) => (Number.isFinite(value) ? value : 0));
    }
    for (const reported of reports.values()) {
      reported.applied.forEach((applied, p) => {
        if (applied !== null && p < partitions) lowest[p] = Math.min(lowest[p]!, applied);
      });
    }
    return lowest.map((value) => (Number.isFinite(value) ? value : 0));
  }

  private async read(): Promise<{ facts: SharedFacts; revision: number }> {
    const entry = await this.facts.get(STATE_KEY);
    if (entry && entry.operation === 'PUT') return { facts: JSON.parse(entry.string()) as SharedFacts, revision: entry.revision };
    // Nothing stored yet: a change is made against the (empty) bucket's last sequence.
    // Ordinal 0 is never handed out, so the first server-numbered point is 0.8's sequence number 10001.
    return { facts: { nextOrdinal: 1, dropped: {} }, revision: (await this.facts.status()).streamInfo.state.last_seq };
  }

  /** Applies `next` to the latest facts and stores the result with compare-and-set, again on a lost race. */
  private async change(next: (current: SharedFacts) => SharedFacts): Promise<SharedFacts> {
    for (;;) {
      const { facts, revision } = await this.read();
      const changed = next(facts);
      if (changed === facts) return facts;
      try {
        await compareAndSet(this.js, this.factsSubject, JSON.stringify(changed), revision);
        return changed;
      } catch (err) {
        if (!isWrongRevision(err)) throw err;
      }
    }
  }

  private withinDeadline<T>(failure: string, attempt: () => Promise<T>): Promise<T> {
    return retryUntil(Date.now() + CHANGE_DEADLINE_MS, 100, attempt, (err) => new ServiceUnavailableError(`${failure} (${(err as Error).message}); retry later`));
  }
}
