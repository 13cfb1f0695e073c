import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Storage } from '../shards/storage.js';
import { COMMAND_HEADER, decodeLogCommand, type LogCommand } from './log-commands.js';
import type { ClusterState } from './cluster-state.js';
import type { Ownership } from './ownership.js';
import { InOrderWindow } from './in-order-window.js';
import { StoredWaiters } from './stored-waiters.js';
import { openHedgedConsumer } from './hedged-consumer.js';
import type { CheckpointShipper } from './checkpoint-shipper.js';
import { BASE_HEADER, DB_CREATED_HEADER, DB_HEADER, ENCODING_HEADER, RAW_BYTES_HEADER, type PartitionLog } from './partition-log.js';
import { isLogBatchEncoding } from '../storage/log-batch-encoding.js';
import { StallWatch } from './stall-watch.js';

/** Messages a partition's consumer has handed to its shard and not yet seen stored. */
const WRITES_IN_FLIGHT = 16;
/** Messages the consumer pulls ahead of what it has handed on. */
const PULL_AHEAD = 64;
/** A pull request lasts this long; the server sends a heartbeat at this interval while it waits. */
const PULL_EXPIRES_MS = 4_000;
const PULL_HEARTBEAT_MS = 1_000;
/** How often a consumer that stores nothing is looked at (stall-watch.ts). */
const STALL_CHECK_MS = 500;
/** After a failed write (a full memtable, a disk error), the consumer starts again after this. */
const RETRY_DELAY_MS = 500;

/** One partition's consumer loop, stopped when the partition leaves this node. */
interface Runner {
  stopped: boolean;
  done: Promise<void>;
}

/** What the owner tells the node as partitions become answerable here, or stop being. */
export interface ServingListener {
  serving(partition: number): void;
  notServing(partition: number): void;
}

/**
 * The owner role: for each partition, a consumer of its stream hands the messages, in stream
 * order, to the partition's shard, which logs each write batch with the message's stream
 * sequence (log-position-record.ts). At start, and after a failed write, the consumer starts
 * again after the last message the shard has stored, so nothing is skipped; a message stored
 * twice changes nothing, since its points carry the sequence numbers the message fixed.
 */
export class PartitionOwner {
  /** Per partition: every message up to this stream sequence is stored by its shard. */
  private readonly applied: number[];
  private readonly running = new Map<number, ConsumerMessages>();
  private readonly runners = new Map<number, Runner>();
  /** Partitions caught up with their stream here: reads of them are answered by this node. */
  private readonly servingNow = new Set<number>();
  /** Only partitions this node answers for are waited for: others answer for theirs (shard-service.ts). */
  private readonly waiters: StoredWaiters;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly purgedBelow: number[];
  private stopped = false;
  /** Partitions whose stream lost messages this node never stored (PartitionLostError). */
  private readonly lost = new Set<number>();

  private appliedLastPeriod: number[];
  private listener: ServingListener | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: PartitionLog,
    private readonly state: ClusterState,
    private readonly storage: Storage,
    /** db → creation times of its dropped instances: writes logged for one of those are stale. */
    private readonly dropped: Map<string, Set<number>>,
    private readonly ownership: Ownership,
    /** `wal_fsync = always`: what a shard logged is on disk once its write resolves. */
    private readonly walSyncedAtOnce: boolean,
    /** How often stored positions are reported, checkpoints uploaded and streams purged (settings.clusterReportIntervalMs). */
    private readonly reportEveryMs: number,
    private readonly logger: Logger,
    /** With a node list: where checkpoints go, and come from when the stream no longer holds a partition's history. */
    private readonly checkpoints: CheckpointShipper | undefined,
  ) {
    this.applied = [...storage.logAppliedAtStart];
    this.waiters = new StoredWaiters(this.applied, (p) => this.servingNow.has(p));
    this.appliedLastPeriod = [...this.applied];
    this.purgedBelow = this.applied.map(() => 0);
  }

  /** Starts storing the partitions this node owns; `listener` hears which it answers for. */
  start(listener: ServingListener): void {
    this.listener = listener;
    for (let p = 0; p < this.log.partitions; p++) if (this.ownership.owns(p)) this.gain(p);
    this.reportLater();
  }

  /**
   * The next report an interval after the last one ended, not on a fixed beat: a slow one (NATS
   * away, a large upload) must not overlap the next, since one node's checkpoint puts of a
   * partition must not overlap.
   */
  private reportLater(): void {
    this.reportTimer = setTimeout(() => {
      void this.report().finally(() => {
        if (!this.stopped) this.reportLater();
      });
    }, this.reportEveryMs);
    this.reportTimer.unref();
  }

  isLost(partition: number): boolean {
    return this.lost.has(partition);
  }

  /** Whether this node answers for the partition: it owns it and has caught up with its stream. */
  serves(partition: number): boolean {
    return this.servingNow.has(partition);
  }

  get serving(): ReadonlySet<number> {
    return this.servingNow;
  }

  /**
   * Starts storing a partition: from the position stored here, or, when the stream no longer
   * holds what follows it, from the newest checkpoint (adopted into the shard first). The node
   * answers for it once it has stored what the stream held when it began, so it never answers
   * with less than an acknowledged write; until then others answer, or the reader gets 503.
   * The sole owner without a node list answers at once: its reads wait for what they need.
   */
  gain(partition: number): void {
    const previous = this.runners.get(partition);
    if ((previous !== undefined && !previous.stopped) || this.stopped) return;
    const runner: Runner = { stopped: false, done: Promise.resolve() };
    this.runners.set(partition, runner);
    // Taken back while its last release is still stopping: after that one has stopped.
    runner.done = previous === undefined ? this.catchUpAndRun(partition, runner) : previous.done.then(() => this.catchUpAndRun(partition, runner));
  }

  /** Stops storing a partition that moved to another node; what is stored here stays, for a later return. */
  async release(partition: number): Promise<void> {
    const runner = this.runners.get(partition);
    if (runner === undefined) return;
    runner.stopped = true;
    this.stopServing(partition);
    this.running.get(partition)?.stop();
    await runner.done;
    if (this.runners.get(partition) === runner) this.runners.delete(partition);
  }

  private async catchUpAndRun(partition: number, runner: Runner): Promise<void> {
    this.lost.delete(partition);
    if (this.ownership.listed === undefined) this.startServing(partition);
    else void this.serveOnceCaughtUp(partition, runner);
    await this.run(partition, runner);
  }

  private async serveOnceCaughtUp(partition: number, runner: Runner): Promise<void> {
    let target: number | undefined;
    while (target === undefined && !runner.stopped && !this.stopped) {
      try {
        target = (await this.log.bounds(partition)).last;
      } catch (err) {
        this.logger.warn({ partition, err: (err as Error).message }, 'cannot read the partition stream; trying again');
        await sleep(RETRY_DELAY_MS);
      }
    }
    while (!runner.stopped && !this.stopped && this.applied[partition]! < target! && !this.lost.has(partition)) await sleep(50);
    if (!runner.stopped && !this.stopped && !this.lost.has(partition)) this.startServing(partition);
  }

  private startServing(partition: number): void {
    if (this.servingNow.has(partition)) return;
    this.servingNow.add(partition);
    this.listener?.serving(partition);
  }

  private stopServing(partition: number): void {
    if (!this.servingNow.delete(partition)) return;
    this.waiters.storedMore();
    this.listener?.notServing(partition);
  }

  /** The stream sequence each partition is stored up to. */
  get appliedSequences(): readonly number[] {
    return this.applied;
  }

  /**
   * Resolves once every partition is stored up to its target as it is now; past `timeoutMs` it
   * answers 503, never an answer that leaves out an acknowledged write.
   */
  waitApplied(targets: readonly number[], timeoutMs: number): Promise<void> {
    const lost = targets.findIndex((target, p) => this.lost.has(p) && this.servingNow.has(p) && this.applied[p]! < target);
    if (lost >= 0) return Promise.reject(new ServiceUnavailableError(`partition ${lost} has no copy on this node that can be brought up to date; ask another node`));
    return this.waiters.wait(
      targets,
      timeoutMs,
      (wanted) => new ServiceUnavailableError(`this node has not yet stored every acknowledged write (stored ${this.applied.join(',')}, needs ${wanted.join(',')}); retry later`),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reportTimer);
    for (const messages of this.running.values()) messages.stop();
    await Promise.allSettled([...this.runners.values()].map((runner) => runner.done));
  }

  private markApplied(partition: number, seq: number): void {
    if (seq <= this.applied[partition]!) return;
    this.applied[partition] = seq;
    this.waiters.storedMore();
  }

  private async run(partition: number, runner: Runner): Promise<void> {
    while (!this.stopped && !runner.stopped) {
      try {
        await this.adoptIfHistoryGone(partition);
        if (runner.stopped) return;
        await this.consume(partition, runner);
      } catch (err) {
        if (this.stopped || runner.stopped) return;
        if (err instanceof PartitionLostError) {
          this.lost.add(partition);
          this.stopServing(partition);
          this.logger.error({ partition }, err.message);
          return;
        }
        this.logger.warn({ partition, err: (err as Error).message }, 'partition consumer stopped; starting again after the last stored message');
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  /**
   * One consumer's life: from the message after the last one stored until it is stopped or a
   * write fails. Writes are handed on without waiting for each (the shard keeps their order and
   * commits them in groups); commands wait for the writes before them.
   */
  /**
   * When the stream no longer holds the message after what is stored here (purged while this
   * node did not own the partition), the newest checkpoint replaces what is stored, if the
   * stream holds what follows it; until one does, the consumer is not started (tried again).
   */
  private async adoptIfHistoryGone(partition: number): Promise<void> {
    if (this.checkpoints === undefined) return;
    const { first } = await this.log.bounds(partition);
    if (this.applied[partition]! + 1 >= first) return;
    const adopted = await this.checkpoints.adopt(partition, first - 1);
    // Not lost for good: another owner's next checkpoint may reach that far. Tried again.
    if (adopted === undefined) throw new Error(`partition ${partition}: the stream now starts at ${first}, and no checkpoint reaches ${first - 1} yet`);
    this.logger.info({ partition, position: adopted.position, from: adopted.node, was: this.applied[partition] }, 'adopted a checkpoint of the partition');
    this.appliedLastPeriod[partition] = Math.max(this.appliedLastPeriod[partition]!, adopted.position);
    this.markApplied(partition, adopted.position);
  }

  private async consume(partition: number, runner: Runner): Promise<void> {
    const made = await openHedgedConsumer(this.js, this.jsm, this.log.streamName(partition), { startSeq: this.applied[partition]! + 1 });
    // Short pulls with heartbeats: a consumer whose NATS server died is noticed and made again
    // within seconds (the default pull waits 30 s).
    const messages = await made.consumer.consume({ max_messages: PULL_AHEAD, expires: PULL_EXPIRES_MS, idle_heartbeat: PULL_HEARTBEAT_MS });
    this.running.set(partition, messages);
    const watchdog = this.watchStall(partition, messages);
    // A failure stops the messages, so the consumer starts again even if no more arrive.
    const window = new InOrderWindow(
      WRITES_IN_FLIGHT,
      (seq) => this.markApplied(partition, seq),
      () => messages.stop(),
    );
    // The last write handed on, as this consumer saw the stream: the shard refuses a write
    // whose predecessor it has not stored (WriteTxn.logPrev).
    let previousWrite = this.applied[partition]!;
    let previous = previousWrite;
    let delivered = 0;
    try {
      for await (const message of messages) {
        if (this.stopped || runner.stopped || window.hasFailed) break;
        // The consumer numbers what it sends one by one: a jump is messages lost on the way (a
        // NATS server between here and the consumer died). Made again, after what is stored.
        if (message.info.deliverySequence !== delivered + 1) throw new Error(`partition ${partition}: the consumer skipped deliveries ${delivered + 1}–${message.info.deliverySequence - 1}`);
        delivered = message.info.deliverySequence;
        // A stream numbers its messages one by one: a jump is messages dropped from it before
        // this node stored them (it was away longer than every other owner kept it).
        if (message.seq !== previous + 1) throw new PartitionLostError(partition, previous, message.seq);
        previous = message.seq;
        if (message.headers?.get(COMMAND_HEADER)) {
          await window.drained();
          if (window.hasFailed) break;
          await this.applyCommand(partition, decodeLogCommand(message.data));
          this.markApplied(partition, message.seq);
        } else if (this.isStale(message)) {
          // Checked against a database dropped before it was logged: gone with it, as on a single node.
          window.add(message.seq, Promise.resolve());
        } else {
          window.add(message.seq, this.store(partition, message, previousWrite));
          previousWrite = message.seq;
          await window.room();
        }
      }
    } finally {
      clearInterval(watchdog);
      messages.stop();
      made.remove();
      this.running.delete(partition);
      await window.drained();
    }
    if (window.hasFailed) throw window.failure;
  }

  /**
   * After a NATS server dies, a consumer it held sends nothing more, and the pulls to it wait in
   * vain. When a message the stream holds is still not stored a while later (StallWatch), the
   * consumer is stopped, and made again.
   */
  private watchStall(partition: number, messages: ConsumerMessages): NodeJS.Timeout {
    const watch = new StallWatch(this.applied[partition]!, Date.now());
    let checking = false;
    const timer = setInterval(() => {
      if (checking || !watch.shouldAsk(this.applied[partition]!, Date.now())) return;
      checking = true;
      this.log
        .lastSequence(partition)
        .then((last) => {
          const stored = this.applied[partition]!;
          if (watch.stalled(stored, last, Date.now())) {
            this.logger.warn({ partition, stored, last }, 'partition consumer stalled; making it again');
            messages.stop();
          }
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, STALL_CHECK_MS);
    timer.unref();
    return timer;
  }

  private store(partition: number, message: JsMsg, previous: number): Promise<void> {
    const batches: (ArrayBuffer | null)[] = Array.from({ length: this.log.partitions }, () => null);
    // A copy the shard's thread can own: the message's bytes are a view into the connection's buffer.
    batches[partition] = new Uint8Array(message.data).buffer;
    const base = Number(message.headers?.get(BASE_HEADER) ?? 0);
    // An encoded batch is decoded by the shard's thread, off the event loop. Messages of older
    // builds carry the batch as it is, with no encoding named.
    const encoding = message.headers?.get(ENCODING_HEADER) ?? '';
    if (encoding === '') return this.storage.write(batches, base, { seq: message.seq, prev: previous });
    // One of a newer build: stored as it is it would be garbage; the partition waits for a build that reads it.
    if (!isLogBatchEncoding(encoding)) return Promise.reject(new Error(`partition ${partition}: message ${message.seq} has a batch encoded as ${encoding}, which this build cannot read`));
    const decoded = { encoding, rawBytes: Number(message.headers!.get(RAW_BYTES_HEADER)) };
    return this.storage.write(batches, base, { seq: message.seq, prev: previous, decoded });
  }

  private isStale(message: JsMsg): boolean {
    const db = Buffer.from(message.headers?.get(DB_HEADER) ?? '', 'base64url').toString('utf8');
    return this.dropped.get(db)?.has(Number(message.headers?.get(DB_CREATED_HEADER))) ?? false;
  }

  private async applyCommand(partition: number, command: LogCommand): Promise<void> {
    const shard = this.storage.shards[partition]!;
    if (command.kind === 'drop-database') {
      const generations = this.dropped.get(command.db) ?? new Set<number>();
      generations.add(command.created);
      this.dropped.set(command.db, generations);
      return shard.dropDatabase(command.db);
    }
    const { request } = command;
    const names = request.names.filter((name) => this.storage.shardFor(request.db, name) === shard);
    if (request.regex === undefined && names.length === 0) return;
    await shard.deleteSeries({ ...request, names });
  }

  /**
   * Reports how far this node has stored each partition, uploads the checkpoints this node is
   * first owner of, and lets each stream drop what every owner has stored and, with a node
   * list, what the newest checkpoint holds: a node that takes the partition over later starts
   * from that checkpoint and needs the stream from there. Without `wal_fsync = always` a
   * machine crash can take the WAL's last moments, so the position reported is the one of a
   * period ago, when that tail was synced.
   */
  private async report(): Promise<void> {
    const stored = this.walSyncedAtOnce ? [...this.applied] : this.appliedLastPeriod;
    this.appliedLastPeriod = [...this.applied];
    try {
      await this.state.reportStored(this.ownership.self, stored.map((applied, p) => (this.runners.has(p) ? applied : null)));
      const firstOwners = [...this.servingNow].filter((p) => this.ownership.owners(p)[0] === this.ownership.self);
      if (this.checkpoints !== undefined) await this.checkpoints.upload(firstOwners);
      // Every owner without a node list (a purge is idempotent); with one, the first owner.
      const purging = this.ownership.listed === undefined ? [...this.runners.keys()] : firstOwners;
      if (purging.length === 0) return;
      const ownersOf = this.ownership.listed === undefined ? undefined : (p: number): readonly string[] => this.ownership.owners(p);
      const everywhere = await this.state.storedEverywhere(this.log.partitions, ownersOf);
      const checkpointed = await this.checkpoints?.positions();
      for (const p of purging) {
        const below = Math.min(everywhere[p]!, checkpointed?.[p] ?? Number.POSITIVE_INFINITY);
        if (below <= this.purgedBelow[p]!) continue;
        await this.log.purgeBelow(p, below + 1);
        this.purgedBelow[p] = below;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not report stored positions, upload checkpoints or purge the partition streams');
    }
  }
}

/** The node missed part of a partition's history; it cannot serve that partition (queries wait, then 503). */
class PartitionLostError extends Error {
  constructor(partition: number, stored: number, next: number) {
    super(`partition ${partition}: this node stored its stream up to ${stored}, but the stream now continues at ${next}; messages in between are gone, so this node cannot serve the partition`);
  }
}

