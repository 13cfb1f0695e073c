import { join } from 'node:path';
import type { Settings } from '../config.js';
import { diskRefusal } from '../errors.js';
import type { RegexLiteral } from '../query/ast.js';
import { mergeByteOrdered } from '../util/byte-order.js';
import type { DiskProblem } from './disk-health.js';
import type { StorageLayout } from './layout.js';
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

  static async open(settings: Settings, layout: StorageLayout, liveDatabases: string[]): Promise<Storage> {
    const shards = Array.from(
      { length: layout.shards },
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
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
