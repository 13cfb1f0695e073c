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

/**
 * The main thread's view of all shards: routes series to their owners and hands out
 * sequence numbers (sequence-counter.ts).
 */
export class Storage {
  private constructor(
    readonly shards: ShardHandle[],
    private readonly sequence: SequenceCounter,
  ) {}

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
