import { join } from 'node:path';
import { diskRefusal, type HttpError } from '../errors.js';
import { removeQuietly, writeFileAtomic } from '../util/atomic-file.js';
import { DiskWriteError } from '../util/checked-write.js';

/** What /ping reports about a shard that cannot write. */
export interface DiskProblem {
  /** errno code of the last failure: ENOSPC, EDQUOT, EIO, … */
  readonly code: string;
  readonly error: string;
  /** When the shard became degraded (ISO 8601). */
  readonly since: string;
}

export type HealthLog = (level: 'info' | 'error', message: string) => void;

/** Enough that a disk with room for the probe has room for a typical write batch too. */
const PROBE_BYTES = 64 * 1024;

/**
 * Whether a shard can write. Once its disk refused a write the shard is degraded: it answers
 * writes at once (507 when the disk is full, 503 when it fails) instead of touching the disk
 * again, and `retry` calls `recover` until that succeeds, so the shard comes back by itself
 * when space returns. The shard's handle asks for a retry every second: between messages the
 * shard's thread sleeps, so it cannot keep time itself.
 */
export class DiskHealth {
  #problem: { error: DiskWriteError; since: Date } | undefined;

  /** `degradedFlag[0]` mirrors the state (1 degraded, 0 healthy) for other threads to read. */
  constructor(
    private readonly recover: () => Promise<void>,
    private readonly log: HealthLog,
    private readonly degradedFlag: Int32Array,
  ) {}

  get problem(): DiskProblem | undefined {
    if (this.#problem === undefined) return undefined;
    const { error, since } = this.#problem;
    return { code: error.code, error: error.message, since: since.toISOString() };
  }

  /** Record that the disk refused a write. */
  failed(error: DiskWriteError): void {
    if (this.#problem === undefined) {
      this.log('error', `shard degraded, refusing writes until the disk takes them again: ${error.message}`);
    }
    this.#problem = { error, since: this.#problem?.since ?? new Date() };
    Atomics.store(this.degradedFlag, 0, 1);
  }

  /** Throws the answer to a write while degraded. */
  assertWritable(): void {
    if (this.#problem !== undefined) throw this.refusal();
  }

  /** The error a write gets while degraded. */
  refusal(): HttpError {
    if (this.#problem === undefined) throw new Error('refusal asked of a healthy shard');
    return diskRefusal(this.#problem.error);
  }

  /** If degraded, try to recover once. */
  async retry(): Promise<void> {
    if (this.#problem === undefined) return;
    try {
      await this.recover();
    } catch (error) {
      if (error instanceof DiskWriteError) this.failed(error);
      else this.log('error', `disk recovery failed: ${String(error)}`);
      return;
    }
    this.log('info', 'disk takes writes again; shard accepts writes');
    this.#problem = undefined;
    Atomics.store(this.degradedFlag, 0, 0);
  }
}

/** Throws a DiskWriteError unless a small file can be written and synced in `dir`. */
export function probeDisk(dir: string): void {
  const path = join(dir, 'disk-probe');
  try {
    writeFileAtomic(path, new Uint8Array(PROBE_BYTES));
  } finally {
    removeQuietly(path);
  }
}
