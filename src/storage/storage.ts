import { join } from 'node:path';
import type { Settings } from '../config.js';
import { diskRefusal } from '../errors.js';
import type { RegexLiteral } from '../query/ast.js';
import { mergeByteOrdered } from '../util/byte-order.js';
import type { DiskProblem } from './disk-health.js';
import type { StorageLayout } from './layout.js';
import { shardOf } from './router.js';
import { SequenceCounter } from './sequence-counter.js';
import { ShardHandle } from './shard-handle.js';
import { abortedTransactions, TransactionLedger } from './transactions.js';

/** After a write settles, idle shards hear that it committed within this many ms. */
const STATUS_DELAY_MS = 20;

/**
 * The main thread's view of all shards: routes series to their owners, hands out sequence
 * numbers (sequence-counter.ts), and keeps each write request whole across shards: each
 * request is a transaction with an id of its own (transactions.ts).
 */
export class Storage {
  private statusTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly shards: ShardHandle[],
    private readonly sequence: SequenceCounter,
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
    const reports = await Promise.all(shards.map((s) => s.init()));
    const recovered = await Promise.all(
      shards.map((s, index) => s.recover([...abortedTransactions(reports, index)], liveDatabases)),
    );
    // Transaction ids stay above every id a shard has logged or settled, whatever was dropped since.
    ledger.startAfter(Math.max(0, ...reports.map((r) => r.maxLogged), ...recovered.map((r) => r.flushedBelow)));
    const highest = Math.max(0, ...recovered.map((r) => r.highestSequenceNumber));
    return new Storage(shards, SequenceCounter.open(settings.dataDir, highest), ledger);
  }

  shardFor(db: string, series: string): ShardHandle {
    return this.shards[shardOf(db, series, this.shards.length)]!;
  }

  /** Reserve `count` consecutive sequence-number ordinals; returns the first. */
  reserveSequenceNumbers(count: number): Promise<number> {
    return this.sequence.reserve(count);
  }

  /**
   * Resolves when every shard has durably logged its part; rejects if any could not, and the
   * parts logged elsewhere are then aborted, never made visible. `base` is the request's first
   * sequence-number ordinal and its transaction id.
   */
  async write(batches: (ArrayBuffer | null)[], base: number): Promise<void> {
    if (batches.some((batch, shard) => batch && this.shards[shard]!.degraded)) await this.refuseIfDegraded(batches);
    let participants = 0;
    batches.forEach((batch, shard) => {
      if (batch) participants |= 1 << shard;
    });
    const id = this.ledger.begin(batches.filter((b) => b !== null).length);
    const txn = { txn: id, participants, base };
    const results = await Promise.allSettled(
      batches.map(async (batch, shard) => {
        if (!batch) return;
        try {
          await this.shards[shard]!.write(batch, txn);
          this.ledger.settle(id, true, participants);
        } catch (err) {
          this.ledger.settle(id, false, participants);
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
