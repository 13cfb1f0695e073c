import { join } from 'node:path';
import type { Settings } from '../config.js';
import { byteOrder } from '../meta/meta-store.js';
import { shardOf } from './router.js';
import { SequenceCounter } from './sequence-counter.js';
import { ShardHandle } from './shard-handle.js';

/**
 * The main thread's view of all shards: routes series to their owners and hands out
 * sequence numbers (sequence-counter.ts).
 */
export class Storage {
  private constructor(
    readonly shards: ShardHandle[],
    private readonly sequence: SequenceCounter,
  ) {}

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
        }),
    );
    const highest = await Promise.all(shards.map((s) => s.init(liveDatabases)));
    return new Storage(shards, SequenceCounter.open(settings.dataDir, Math.max(0, ...highest)));
  }

  shardFor(db: string, series: string): ShardHandle {
    return this.shards[shardOf(db, series, this.shards.length)]!;
  }

  /** Reserve `count` consecutive sequence-number ordinals; returns the first. */
  reserveSequenceNumbers(count: number): Promise<number> {
    return this.sequence.reserve(count);
  }

  /** Resolves when every shard has logged its part. */
  async write(batches: (ArrayBuffer | null)[], base: number): Promise<void> {
    await Promise.all(batches.map((batch, shard) => (batch ? this.shards[shard]!.write(batch, base) : undefined)));
  }

  async listSeries(db: string): Promise<string[]> {
    const perShard = await Promise.all(this.shards.map((s) => s.listSeries(db)));
    return perShard.flat().sort(byteOrder);
  }

  async dropDatabase(db: string): Promise<void> {
    await Promise.all(this.shards.map((s) => s.dropDatabase(db)));
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
