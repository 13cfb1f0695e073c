/**
 * Keeping a write request whole across shards.
 *
 * A request whose points land on several shards is one transaction: the main thread gives it
 * an id (increasing, and above every id of earlier runs found on disk), and each shard's WAL
 * record carries the id and the bit mask of all participants. The main thread tracks which transactions are resolved (every
 * participant's append returned) and tells the shards with each message; a shard makes rows
 * visible, and lets them reach a segment, only once their transaction is resolved and
 * committed. So after a crash a participant's record can be missing only for a transaction
 * that was never acknowledged, and recovery finds it by comparing the WALs.
 */

/** What the main thread tells a shard with every message. */
export interface TxnStatus {
  /** Every transaction with a smaller id is resolved: committed, unless listed in `aborted`. */
  readonly resolvedBelow: number;
  /** Transactions that failed on some participant since the last message to this shard. */
  readonly aborted: readonly number[];
  /**
   * Transactions at or above `resolvedBelow` that committed since the last message to this
   * shard: visible at once, so a client that got its acknowledgement reads its own write even
   * while an older write to another shard is still waiting for its disk.
   */
  readonly committed: readonly number[];
}

/** What one shard's durable state says about transactions, read at start-up. */
export interface ShardTxnReport {
  /**
   * Every transaction below this id that involved the shard had resolved before the shard's
   * last flush: it is in a segment, or failed, or was aborted.
   */
  readonly flushedBelow: number;
  /** Transactions at or above `flushedBelow` that are in a segment all the same (manifest.ts). */
  readonly flushedAbove: readonly number[];
  /** Transactions whose append failed on this shard (disk errors), kept in its manifest. */
  readonly failed: readonly number[];
  /** Multi-shard transactions in the WAL past the checkpoint: id → participant mask. */
  readonly logged: ReadonlyMap<number, number>;
  /** The highest transaction id in the WAL past the checkpoint, 0 if none. */
  readonly maxLogged: number;
}

/**
 * The transactions shard `self` must not replay: some other participant never logged them.
 * A participant lacking a record had logged the transaction only if it had flushed past it
 * (and it did not fail there).
 */
export function abortedTransactions(reports: readonly ShardTxnReport[], self: number): Set<number> {
  const aborted = new Set<number>();
  for (const [txn, mask] of reports[self]!.logged) {
    for (let other = 0; other < reports.length; other++) {
      if (other === self || (mask & (1 << other)) === 0) continue;
      const report = reports[other]!;
      if (report.logged.has(txn)) continue;
      if (txn < report.flushedBelow && !report.failed.includes(txn)) continue;
      if (report.flushedAbove.includes(txn)) continue;
      aborted.add(txn);
      break;
    }
  }
  return aborted;
}

/**
 * The main thread's ledger of transactions in flight. It hands out ids in increasing order
 * (`begin`), so the lowest unresolved id is the head of a queue.
 */
export class TransactionLedger {
  private readonly open = new Map<number, { remaining: number; failed: boolean }>();
  private readonly order: number[] = [];
  private head = 0;
  private abortedSince: number[][];
  private committedSince: number[][];
  private highestBegun = 0;

  constructor(private readonly shardCount: number) {
    this.abortedSince = Array.from({ length: shardCount }, () => []);
    this.committedSince = Array.from({ length: shardCount }, () => []);
  }

  /** Ids up to `txn` were used before this process started; all of them are resolved. */
  startAfter(txn: number): void {
    this.highestBegun = Math.max(this.highestBegun, txn);
  }

  /** A new transaction with `participants` shards; returns its id. */
  begin(participants: number): number {
    const txn = ++this.highestBegun;
    this.open.set(txn, { remaining: participants, failed: false });
    this.order.push(txn);
    return txn;
  }

  /** One participant's append returned. */
  settle(txn: number, ok: boolean, participantMask: number): void {
    const entry = this.open.get(txn);
    if (!entry) return;
    if (!ok) entry.failed = true;
    if (--entry.remaining > 0) return;
    this.open.delete(txn);
    if (entry.failed) {
      for (let shard = 0; shard < this.shardCount; shard++) {
        if (participantMask & (1 << shard)) this.abortedSince[shard]!.push(txn);
      }
    }
    while (this.head < this.order.length && !this.open.has(this.order[this.head]!)) this.head++;
    // Committed behind an older open transaction: the watermark does not cover it yet.
    if (!entry.failed && this.head < this.order.length && txn > this.order[this.head]!) {
      for (let shard = 0; shard < this.shardCount; shard++) {
        if (participantMask & (1 << shard)) this.committedSince[shard]!.push(txn);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The status to send to `shard` now; aborts are reported once. */
  statusFor(shard: number): TxnStatus {
    const aborted = this.abortedSince[shard]!;
    if (aborted.length > 0) this.abortedSince[shard] = [];
    const resolvedBelow = this.head < this.order.length ? this.order[this.head]! : this.highestBegun + 1;
    const since = this.committedSince[shard]!;
    if (since.length > 0) this.committedSince[shard] = [];
    // Those the watermark has passed since need no mention.
    const committed = since.length === 0 ? since : since.filter((txn) => txn >= resolvedBelow);
    return { resolvedBelow, aborted, committed };
  }
}
