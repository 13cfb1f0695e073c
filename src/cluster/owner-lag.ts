import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection, Subscription } from 'nats';
import { ServiceUnavailableError } from '../errors.js';
import { readStoredPositions, storedSubject } from './stored-beacon.js';

/**
 * How far behind a front end's acknowledged writes each partition's owners are, and the wait
 * that bounds it. The log takes writes as fast as its NATS servers do, whatever the owners
 * manage (a busy machine, a slow disk), and a point is readable only once stored: so a write
 * to a partition whose owners are more than `maxLagMs` behind what this node
 * acknowledged there waits until they catch up, and answers 503 with Retry-After at its
 * deadline. The lag is the age of the oldest write this node acknowledged that no owner has
 * said it stored (stored-beacon.ts), on this node's clock.
 *
 * An owner that has said nothing for ABSENT_AFTER_MS is gone (killed, cut off): its partitions
 * are not held, the log keeps taking their writes for whoever takes them over, as before.
 */
const ABSENT_AFTER_MS = 3_000;
/** Acknowledgements this close together are kept as one (the later sequence, the earlier time). */
const ACK_GRAIN_MS = 10;
/** Per partition; past it the newest entry absorbs the next acknowledgements, still measured from the oldest. */
const MAX_ACK_ENTRIES = 4096;
/** How often a held write looks again. */
const HOLD_POLL_MS = 20;
/** Nodes heard from at once, at most: a stray publisher on the subject cannot grow the table past it. */
const MAX_NODES_HEARD = 1024;

/** Per partition: the sequences this node acknowledged and when, oldest first, until stored. */
class AcknowledgedSince {
  private readonly seqs: number[] = [];
  private readonly times: number[] = [];
  private head = 0;

  note(seq: number, at: number): void {
    const last = this.seqs.length - 1;
    if (last >= this.head && (at - this.times[last]! < ACK_GRAIN_MS || this.seqs.length - this.head >= MAX_ACK_ENTRIES)) {
      if (seq > this.seqs[last]!) this.seqs[last] = seq;
      return;
    }
    this.seqs.push(seq);
    this.times.push(at);
  }

  /** When the oldest write not stored up to `stored` was acknowledged; undefined when all are. */
  oldestAfter(stored: number): number | undefined {
    while (this.head < this.seqs.length && this.seqs[this.head]! <= stored) this.head++;
    if (this.head === this.seqs.length) {
      this.seqs.length = this.times.length = this.head = 0;
      return undefined;
    }
    if (this.head > 1024) {
      this.seqs.splice(0, this.head);
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times[this.head];
  }
}

interface Heard {
  at: number;
  stored: readonly (number | null)[];
}

export class OwnerLag {
  private readonly acknowledged: AcknowledgedSince[];
  private readonly heard = new Map<string, Heard>();
  private readonly subscription: Subscription;
  private heldSoFar = 0;

  constructor(
    nc: NatsConnection,
    clusterName: string,
    partitions: number,
    readonly maxLagMs: number,
    // Monotonic: a wall clock set back or forward must not make owners look caught up or far behind.
    private readonly now: () => number = () => performance.now(),
  ) {
    this.acknowledged = Array.from({ length: partitions }, () => new AcknowledgedSince());
    this.subscription = nc.subscribe(storedSubject(clusterName), {
      callback: (err, message) => {
        const positions = err ? undefined : readStoredPositions(message.string());
        if (positions) this.hear(positions.node, positions.stored);
      },
    });
  }

  private hear(node: string, stored: readonly (number | null)[]): void {
    const now = this.now();
    if (!this.heard.has(node) && this.heard.size >= MAX_NODES_HEARD) {
      for (const [other, heard] of this.heard) if (now - heard.at > ABSENT_AFTER_MS) this.heard.delete(other);
      if (this.heard.size >= MAX_NODES_HEARD) return;
    }
    this.heard.set(node, { at: now, stored });
  }

  /** `seqs`: per partition, the highest stream sequence a write this node acknowledged got (0: none). */
  noteAcknowledged(seqs: readonly number[]): void {
    const at = this.now();
    seqs.forEach((seq, p) => {
      if (seq > 0) this.acknowledged[p]?.note(seq, at);
    });
  }

  /** How far (ms) the partition's most advanced present owner is behind what this node acknowledged there. */
  lagMs(partition: number): number {
    const now = this.now();
    let stored: number | undefined;
    for (const [node, heard] of this.heard) {
      if (now - heard.at > ABSENT_AFTER_MS) {
        this.heard.delete(node);
        continue;
      }
      const seq = heard.stored[partition];
      if (typeof seq === 'number' && (stored === undefined || seq > stored)) stored = seq;
    }
    // No present owner: nothing to wait for, the log keeps the write for the next one.
    if (stored === undefined) return 0;
    const oldest = this.acknowledged[partition]!.oldestAfter(stored);
    return oldest === undefined ? 0 : now - oldest;
  }

  /** Every partition's lag, rounded to the millisecond (for /metrics). */
  get lags(): number[] {
    return this.acknowledged.map((_, p) => Math.round(this.lagMs(p)));
  }

  /** Writes that had to wait for a partition's owners (whether they then went or got 503). */
  get held(): number {
    return this.heldSoFar;
  }

  /** Resolves once no partition of `partitions` is more than maxLagMs behind; past `withinMs`, 503. */
  async admit(partitions: Iterable<number>, withinMs: number): Promise<void> {
    if (this.maxLagMs === 0) return;
    const wanted = [...new Set(partitions)];
    const deadline = this.now() + withinMs;
    for (let waited = false; ; waited = true) {
      const behind = wanted.find((p) => this.lagMs(p) > this.maxLagMs);
      if (behind === undefined) return;
      if (!waited) this.heldSoFar++;
      const left = deadline - this.now();
      if (left <= 0) {
        throw new ServiceUnavailableError(
          `partition ${behind}'s owners are ${this.lagMs(behind)} ms behind the writes this node acknowledged there (at most ${this.maxLagMs} ms); retry later`,
        );
      }
      await sleep(Math.min(HOLD_POLL_MS, left));
    }
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
