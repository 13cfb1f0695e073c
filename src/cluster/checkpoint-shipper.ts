import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Storage } from '../shards/storage.js';
import type { CheckpointStore } from './checkpoint-store.js';

/**
 * Moves partition checkpoints between this node's shards and the shared store: the first owner
 * of a partition uploads what its shard has flushed, and a node that takes a partition whose
 * stream no longer holds its history adopts the newest checkpoint into its shard.
 */
export class CheckpointShipper {
  /** Per partition, the position of the last checkpoint this node uploaded. */
  private readonly uploaded: number[];

  constructor(
    private readonly store: CheckpointStore,
    private readonly storage: Storage,
    private readonly self: string,
    /** Where downloads are staged: inside the data directory, so adopting them is a rename. */
    private readonly stagingDir: string,
    private readonly logger: Logger,
  ) {
    this.uploaded = storage.shards.map(() => 0);
  }

  /** Uploads each partition's checkpoint if its shard has flushed past the last one uploaded. */
  async upload(partitions: readonly number[]): Promise<void> {
    for (const p of partitions) {
      const { checkpoint, release } = await this.storage.shards[p]!.takeCheckpoint();
      try {
        if (checkpoint.position <= this.uploaded[p]!) continue;
        await this.store.put(p, this.self, checkpoint);
        this.uploaded[p] = checkpoint.position;
        this.logger.debug({ partition: p, position: checkpoint.position, files: checkpoint.files.length }, 'uploaded a checkpoint');
      } finally {
        await release();
      }
    }
  }

  /** Per partition, the newest checkpoint's position (0: none). */
  positions(): Promise<number[]> {
    return this.store.positions(this.storage.shards.length);
  }

  /**
   * Replaces what the partition's shard holds with the newest checkpoint, if it reaches
   * `atLeast` (the stream holds what follows it). Undefined when there is none that does.
   */
  async adopt(partition: number, atLeast: number): Promise<{ node: string; position: number } | undefined> {
    const best = await this.store.best(partition);
    if (best === undefined || best.position < atLeast) return undefined;
    const dir = join(this.stagingDir, `p${partition}-${Date.now()}`);
    try {
      await this.store.download(partition, best.node, dir);
      const { logApplied } = await this.storage.shards[partition]!.adoptCheckpoint(dir);
      return { node: best.node, position: logApplied };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
