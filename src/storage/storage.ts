import { join } from 'node:path';
import type { Settings } from '../config.js';
import { diskRefusal } from '../errors.js';
import { byteOrder } from '../meta/meta-store.js';
import type { DiskProblem } from './disk-health.js';
import { shardOf } from './router.js';
import { ShardHandle } from './shard-handle.js';

/**
 * The main thread's view of all shards: routes series to their owners and hands out
 * sequence numbers. A sequence number is (k * 10000 + 1) for a global counter k, as 0.8
 * numbered points on server 1; k resumes after the highest number found on disk.
 */
export class Storage {
  private nextOrdinal = 0;

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
        }),
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

  /** Resolves when every shard has logged its part. */
  async write(batches: (ArrayBuffer | null)[], base: number): Promise<void> {
    await this.refuseIfDegraded(batches);
    await Promise.all(batches.map((batch, shard) => (batch ? this.shards[shard]!.write(batch, base) : undefined)));
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

  async listSeries(db: string): Promise<string[]> {
    const perShard = await Promise.all(this.shards.map((s) => s.listSeries(db)));
    return perShard.flat().sort(byteOrder);
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
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
