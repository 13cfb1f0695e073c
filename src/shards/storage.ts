import type { Permission } from '../meta/permissions.js';
import { join } from 'node:path';
import type { Settings } from '../config.js';
import { diskRefusal, ServiceUnavailableError } from '../errors.js';
import { mergeByteOrdered } from '../util/byte-order.js';
import type { ChangeLog } from './change-log.js';
import type { DiskProblem } from '../storage/disk-health.js';
import type { StorageLayout } from '../storage/layout.js';
import { shardOf } from '../storage/router.js';
import { SequenceCounter } from '../storage/sequence-counter.js';
import { ShardHandle } from './shard-handle.js';
import type { SeriesPattern } from '../regex.js';
import type { SeriesDeleteRequest } from './shard-worker.js';
import { abortedTransactions, TransactionLedger } from '../storage/transactions.js';
import type { WriteTxn } from '../storage/shard.js';

/** After a write settles, idle shards hear that it committed within this many ms. */
const STATUS_DELAY_MS = 20;

/**
 * A server's shards seal what their writes left as batches after this long without a write.
 * The seal must come before a delete, a flush or a scan of those series reads them, and the
 * first to come paid it: a delete over every series right after the bench's writes took
 * 107–132 ms to acknowledge at a slow hour, most of it sealing the last 8 MiB of writes. Done
 * while idle it costs nothing a write waits for; under steady writes the timer never fires.
 */
const IDLE_SEAL_MS = 50;

/**
 * The main thread's view of all shards: routes series to their owners, hands out sequence
 * numbers (sequence-counter.ts), and keeps each write request whole across shards: each
 * request is a transaction with an id of its own (transactions.ts).
 */
export class Storage {
  /** How many times each database name has been dropped since start (see `dropCount`). */
  private readonly drops = new Map<string, number>();
  private statusTimer: NodeJS.Timeout | undefined;
  /** Cluster mode: deletes and drops go through the log (change-log.ts). */
  private changeLog: ChangeLog | undefined;

  private constructor(
    readonly shards: ShardHandle[],
    private readonly sequence: SequenceCounter,
    private readonly ledger: TransactionLedger,
    /** Cluster mode: per shard, the partition stream's sequence stored up to at start (0: none). */
    readonly logAppliedAtStart: readonly number[],
  ) {}

  /** `stored` false: a cluster's front end only, which starts no shard thread (ShardHandle). */
  static async open(settings: Settings, layout: StorageLayout, liveDatabases: string[], stored = true): Promise<Storage> {
    const ledger = new TransactionLedger(layout.shards);
    const shards = Array.from(
      { length: layout.shards },
      (_, index) =>
        new ShardHandle(
          index,
          {
            shardIndex: index,
            dir: join(settings.dataDir, 'shards', String(index)),
            walFsync: settings.walFsync,
            walFsyncIntervalMs: settings.walFsyncIntervalMs,
            memtableBytes: settings.memtableBytes,
            flushIdleMs: settings.flushIdleMs,
            idleSealMs: IDLE_SEAL_MS,
            blockCacheBytes: settings.blockCacheBytes,
            logLevel: settings.logLevel,
          },
          settings.shardQueueBytes,
          () => ledger.statusFor(index),
          stored,
        ),
    );
    const reports = await Promise.all(shards.map((s) => s.init()));
    const recovered = await Promise.all(
      shards.map((s, index) => s.recover([...abortedTransactions(reports, index)], liveDatabases)),
    );
    // Transaction ids stay above every id a shard has logged or settled, whatever was dropped since.
    ledger.startAfter(Math.max(0, ...reports.map((r) => r.maxLogged), ...recovered.map((r) => Math.max(r.flushedBelow, r.highestFlushed))));
    const highest = Math.max(0, ...recovered.map((r) => r.highestSequenceNumber));
    return new Storage(shards, SequenceCounter.open(settings.dataDir, highest), ledger, recovered.map((r) => r.logApplied));
  }

  /** Cluster mode: from now on deletes and drops go through `log`, and reads wait for its barrier. */
  useChangeLog(log: ChangeLog): void {
    this.changeLog = log;
  }

  /**
   * Resolves when a read of the shards `shardsRead` gives (all when it gives undefined) sees
   * every write this node acknowledged. At once on a single node, where `shardsRead` is not called.
   */
  async readBarrier(shardsRead?: () => readonly number[] | undefined): Promise<void> {
    await this.changeLog?.readBarrier(shardsRead?.());
  }

  shardFor(db: string, series: string): ShardHandle {
    return this.shards[shardOf(db, series, this.shards.length)]!;
  }

  /** Reserve `count` consecutive sequence-number ordinals; returns the first. */
  reserveSequenceNumbers(count: number): Promise<number> {
    return this.sequence.reserve(count);
  }

  /** Whether some shard's write queue is at its bound. */
  get saturated(): boolean {
    return this.shards.some((s) => s.saturated);
  }

  /**
   * Resolves when every shard has logged its part. The parts are queued synchronously, so an
   * operation called after this one (a drop) is applied after them. All or nothing: if a
   * shard's queue has no room, or a shard cannot write, no part is queued and the write is
   * refused (503, or 507 for a full disk). If a shard fails to log its part, the parts logged
   * elsewhere are aborted, never made visible. `base` is the request's first sequence ordinal;
   * `log`, in cluster mode, the stream sequences of the message the batches came in and of the
   * one before it, and how the batch came encoded (WriteTxn).
   */
  write(batches: (ArrayBuffer | null)[], base: number, log?: { readonly seq: number; readonly prev: number; readonly decoded?: WriteTxn['decoded'] }): Promise<void> {
    if (batches.some((batch, shard) => batch !== null && this.shards[shard]!.degraded)) return this.degradedRefusal(batches);
    const full = batches.findIndex((batch, shard) => batch !== null && !this.shards[shard]!.hasRoomFor(batch.byteLength));
    if (full >= 0) return Promise.reject(new ServiceUnavailableError(`shard ${full} has too many writes queued; retry later`));
    let participants = 0;
    batches.forEach((batch, shard) => {
      if (batch) participants |= 1 << shard;
    });
    const id = this.ledger.begin(batches.filter((b) => b !== null).length);
    const txn = {
      txn: id,
      participants,
      base,
      ...(log === undefined ? {} : { logSeq: log.seq, logPrev: log.prev }),
      ...(log?.decoded === undefined ? {} : { decoded: log.decoded }),
    };
    const parts = batches.map(async (batch, shard) => {
      if (!batch) return;
      try {
        await this.shards[shard]!.write(batch, txn);
        this.ledger.settle(id, true, participants);
      } catch (err) {
        this.ledger.settle(id, false, participants);
        throw err;
      }
    });
    return Promise.allSettled(parts).then((results) => {
      this.scheduleStatus();
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    });
  }

  /** Tell every shard which writes committed, shortly after writes settle and nothing else did. */
  private scheduleStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      for (const shard of this.shards) void shard.sendStatus().catch(() => undefined);
    }, STATUS_DELAY_MS);
    this.statusTimer.unref();
  }

  /**
   * While a shard the request touches cannot write, the whole request is refused, rather than
   * stored by the other shards and answered with an error.
   */
  private async degradedRefusal(batches: (ArrayBuffer | null)[]): Promise<never> {
    for (const [shard, batch] of batches.entries()) {
      const problem = batch ? await this.shards[shard]!.diskProblem() : undefined;
      if (problem) throw diskRefusal({ code: problem.code, message: problem.error });
    }
    throw new ServiceUnavailableError('a shard could not write a moment ago; retry the write');
  }

  /**
   * Changes whenever `db` is dropped: a write that saw one count and finds another when it is
   * ready to be queued was overtaken by a drop, and must not land in a re-created database.
   */
  dropCount(db: string): number {
    return this.drops.get(db) ?? 0;
  }

  /**
   * Each shard filters and sorts its own series; this thread only merges the sorted lists.
   * `readable`: a restricted reader's read permissions, which the shards apply too.
   */
  async listSeries(db: string, regex?: SeriesPattern, readable?: readonly Permission[]): Promise<string[]> {
    const request = readable ? { db, regex, readable } : { db, regex };
    return mergeByteOrdered(await Promise.all(this.shards.map((s) => s.listSeries(request))));
  }

  /** The series of `db` matching `regex`, grouped by the shard that owns them. */
  async seriesByShard(db: string, regex: SeriesPattern): Promise<Map<ShardHandle, string[]>> {
    const perShard = await Promise.all(this.shards.map((s) => s.listSeries({ db, regex })));
    return new Map(perShard.flatMap((names, index) => (names.length > 0 ? [[this.shards[index]!, names] as const] : [])));
  }

  /** The shards that cannot write, and why. */
  async degradedShards(): Promise<({ readonly shard: number } & DiskProblem)[]> {
    const problems = await Promise.all(this.shards.map((s) => s.diskProblem()));
    return problems.flatMap((problem, shard) => (problem ? [{ shard, ...problem }] : []));
  }

  /**
   * Deletes rows (or, with `drop`, whole series) on every shard that may own one: the owners of
   * the named series, all shards for a regex. Each shard logs and applies its part on its own:
   * a delete is idempotent and per series, so a part that failed (the request then fails) or
   * was lost in a crash before the answer leaves no state a retry does not complete, and no
   * deleted row can come back from it.
   */
  async deleteSeries(request: SeriesDeleteRequest): Promise<void> {
    if (this.changeLog) return this.changeLog.deleteSeries(request);
    const shards = request.regex ? this.shards : [...new Set(request.names.map((name) => this.shardFor(request.db, name)))];
    await Promise.all(
      shards.map((shard) =>
        shard.deleteSeries(request.regex ? request : { ...request, names: request.names.filter((name) => this.shardFor(request.db, name) === shard) }),
      ),
    );
  }

  /** `created`: when the dropped database was created (MetaStore.dropDatabase), which the cluster's log records. */
  async dropDatabase(db: string, created: number): Promise<void> {
    this.drops.set(db, this.dropCount(db) + 1);
    if (this.changeLog) return this.changeLog.dropDatabase(db, created);
    await Promise.all(this.shards.map((s) => s.dropDatabase(db)));
  }

  async close(): Promise<void> {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
