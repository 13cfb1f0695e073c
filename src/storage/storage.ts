import { join } from 'node:path';
import type { Settings } from '../config.js';
import { ServiceUnavailableError } from '../errors.js';
import { byteOrder } from '../meta/meta-store.js';
import { shardOf } from './router.js';
import { ShardHandle } from './shard-handle.js';

/**
 * The main thread's view of all shards: routes series to their owners and hands out
 * sequence numbers. A sequence number is (k * 10000 + 1) for a global counter k, as 0.8
 * numbered points on server 1; k resumes after the highest number found on disk.
 */
export class Storage {
  private nextOrdinal = 0;
  /** How many times each database name has been dropped since start (see `dropCount`). */
  private readonly drops = new Map<string, number>();

  private constructor(readonly shards: ShardHandle[]) {}

  static async open(settings: Settings, liveDatabases: string[]): Promise<Storage> {
    const shards = Array.from(
      { length: settings.shards },
      (_, index) =>
        new ShardHandle(index, {
          shardIndex: index,
          dir: join(settings.dataDir, 'shards', String(index)),
          walFsync: settings.walFsync,
          walFsyncIntervalMs: settings.walFsyncIntervalMs,
          memtableBytes: settings.memtableBytes,
          logLevel: settings.logLevel,
        }, settings.shardQueueBytes),
    );
    const storage = new Storage(shards);
    const highest = await Promise.all(shards.map((s) => s.init(liveDatabases)));
    storage.nextOrdinal = Math.max(0, ...highest.map((seq) => Math.floor(seq / 10000))) + 1;
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

  /** Whether some shard's write queue is at its bound. */
  get saturated(): boolean {
    return this.shards.some((s) => s.saturated);
  }

  /**
   * Resolves when every shard has logged its part. The parts are queued synchronously, so an
   * operation called after this one (a drop) is applied after them. All or nothing: if a
   * shard's queue has no room, no part is queued and the write is refused with 503.
   */
  write(batches: (ArrayBuffer | null)[], base: number): Promise<void> {
    const full = batches.findIndex((batch, shard) => batch !== null && !this.shards[shard]!.hasRoomFor(batch.byteLength));
    if (full >= 0) return Promise.reject(new ServiceUnavailableError(`shard ${full} has too many writes queued; retry later`));
    return Promise.all(batches.map((batch, shard) => (batch ? this.shards[shard]!.write(batch, base) : undefined))).then(() => undefined);
  }

  /**
   * Changes whenever `db` is dropped: a write that saw one count and finds another when it is
   * ready to be queued was overtaken by a drop, and must not land in a re-created database.
   */
  dropCount(db: string): number {
    return this.drops.get(db) ?? 0;
  }

  async listSeries(db: string): Promise<string[]> {
    const perShard = await Promise.all(this.shards.map((s) => s.listSeries(db)));
    return perShard.flat().sort(byteOrder);
  }

  /** Queued on every shard behind the writes already queued there, which it therefore drops too. */
  async dropDatabase(db: string): Promise<void> {
    this.drops.set(db, this.dropCount(db) + 1);
    await Promise.all(this.shards.map((s) => s.dropDatabase(db)));
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
