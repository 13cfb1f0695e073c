import { join } from 'node:path';
import type { Settings } from '../config.js';
import { diskRefusal } from '../errors.js';
import type { RegexLiteral } from '../query/ast.js';
import { mergeByteOrdered } from '../util/byte-order.js';
import type { DiskProblem } from './disk-health.js';
import type { StorageLayout } from './layout.js';
import { shardOf } from './router.js';
import { ShardHandle } from './shard-handle.js';
import { abortedTransactions, TransactionLedger } from './transactions.js';

/** After a write settles, idle shards hear that it committed within this many ms. */
const STATUS_DELAY_MS = 20;

/**
 * The main thread's view of all shards: routes series to their owners, hands out sequence
 * numbers, and keeps each write request whole across shards (transactions.ts). A sequence
 * number is (k * 10000 + 1) for a global counter k, as 0.8 numbered points on server 1; k
 * resumes after the highest number found on disk. A request's first k is its transaction id.
 */
export class Storage {
  private nextOrdinal = 0;
  private statusTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly shards: ShardHandle[],
    private readonly ledger: TransactionLedger,
  ) {}

  static async open(settings: Settings, layout: StorageLayout, liveDatabases: string[]): Promise<Storage> {
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
            logLevel: settings.logLevel,
          },
          () => ledger.statusFor(index),
        ),
    );
    const storage = new Storage(shards, ledger);
    const reports = await Promise.all(shards.map((s) => s.init()));
    const recovered = await Promise.all(
      shards.map((s, index) => s.recover([...abortedTransactions(reports, index)], liveDatabases)),
    );
    const highestOrdinal = Math.max(0, ...recovered.map((r) => Math.floor(r.highestSequenceNumber / 10000)));
    // Transaction ids must stay above every id a shard has settled, even if points were dropped since.
    storage.nextOrdinal = Math.max(highestOrdinal + 1, ...recovered.map((r) => r.flushedBelow));
    storage.ledger.startAfter(storage.nextOrdinal - 1);
    return storage;
  }

  shardFor(db: string, series: string): ShardHandle {
    return this.shards[shardOf(db, series, this.shards.length)]!;
  }

  /** Reserve `count` consecutive sequence-number ordinals; returns the first. */
  reserveSequenceNumbers(count: number): number {
    const base = this.nextOrdinal;
    this.nextOrdinal += count;
    return base;
  }

  /**
   * Resolves when every shard has durably logged its part; rejects if any could not, and the
   * parts logged elsewhere are then aborted, never made visible. `base` is the request's first
   * sequence-number ordinal and its transaction id.
   */
  async write(batches: (ArrayBuffer | null)[], base: number): Promise<void> {
    // Checked synchronously: requests must reach the shards in the order their ids were taken.
    if (batches.some((batch, shard) => batch && this.shards[shard]!.degraded)) await this.refuseIfDegraded(batches);
    let participants = 0;
    batches.forEach((batch, shard) => {
      if (batch) participants |= 1 << shard;
    });
    const txn = { txn: base, participants, base };
    this.ledger.begin(base, batches.filter((b) => b !== null).length);
    const results = await Promise.allSettled(
      batches.map(async (batch, shard) => {
        if (!batch) return;
        try {
          await this.shards[shard]!.write(batch, txn);
          this.ledger.settle(base, true, participants);
        } catch (err) {
          this.ledger.settle(base, false, participants);
          throw err;
        }
      }),
    );
    this.scheduleStatus();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
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
  private async refuseIfDegraded(batches: (ArrayBuffer | null)[]): Promise<void> {
    for (const [shard, batch] of batches.entries()) {
      const problem = batch ? await this.shards[shard]!.diskProblem() : undefined;
      if (problem) throw diskRefusal({ code: problem.code, message: problem.error });
    }
  }

  /** Each shard filters and sorts its own series; this thread only merges the sorted lists. */
  async listSeries(db: string, regex?: RegexLiteral): Promise<string[]> {
    return mergeByteOrdered(await Promise.all(this.shards.map((s) => s.listSeries({ db, regex }))));
  }

  /** The series of `db` matching `regex`, grouped by the shard that owns them. */
  async seriesByShard(db: string, regex: RegexLiteral): Promise<Map<ShardHandle, string[]>> {
    const perShard = await Promise.all(this.shards.map((s) => s.listSeries({ db, regex })));
    return new Map(perShard.flatMap((names, index) => (names.length > 0 ? [[this.shards[index]!, names] as const] : [])));
  }

  /** The shards that cannot write, and why. */
  async degradedShards(): Promise<({ readonly shard: number } & DiskProblem)[]> {
    const problems = await Promise.all(this.shards.map((s) => s.diskProblem()));
    return problems.flatMap((problem, shard) => (problem ? [{ shard, ...problem }] : []));
  }

  async dropDatabase(db: string): Promise<void> {
    await Promise.all(this.shards.map((s) => s.dropDatabase(db)));
  }

  async close(): Promise<void> {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
