import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../util/atomic-file.js';
import { MAX_ORDINAL, MAX_SEQUENCE_NUMBER, ordinalAfter } from './sequence-numbers.js';

/** Ordinals a lease covers: the file is written once per this many server-numbered points. */
export const DEFAULT_LEASE = 1_000_000;

const FILE_NAME = 'sequence.json';

/** What `sequence.json` holds: after a restart, numbering resumes at `nextOrdinal`. */
interface LeaseFile {
  readonly nextOrdinal: number;
}

/**
 * The server's sequence-number counter, persisted on its own (hi-lo): the file records the end
 * of a lease of ordinals, and only ordinals below a lease end already on disk are handed out.
 * A restart — even after kill -9 — resumes at the recorded end, so numbers never repeat or go
 * back, and the numbers clients write never move it. The next lease is written in the
 * background once half of the current one is used, so writes wait on the file only when a
 * burst outruns it. Each restart skips what is left of its lease.
 */
export class SequenceCounter {
  private extension: Promise<void> | null = null;

  private constructor(
    private readonly path: string,
    private next: number,
    /** Durable: every ordinal below it may be handed out. */
    private leaseEnd: number,
    private readonly leaseSize: number,
  ) {}

  /**
   * Resumes from `sequence.json` in `dataDir`. A data directory written before that file
   * existed resumes after `highestOnDisk`, the highest sequence number stored, clamped to the
   * bound: a number a client wrote there can at worst exhaust the counter, never overflow it.
   */
  static open(dataDir: string, highestOnDisk: number, leaseSize = DEFAULT_LEASE): SequenceCounter {
    const path = join(dataDir, FILE_NAME);
    const first = existsSync(path) ? readLeaseFile(path) : Math.min(ordinalAfter(Math.min(highestOnDisk, MAX_SEQUENCE_NUMBER)), MAX_ORDINAL + 1);
    const leaseEnd = leaseEndFrom(first, leaseSize);
    writeFileAtomic(path, leaseText(leaseEnd));
    return new SequenceCounter(path, first, leaseEnd, leaseSize);
  }

  /** Reserve `count` consecutive ordinals and return the first, once they are covered on disk. */
  async reserve(count: number): Promise<number> {
    const first = this.next;
    if (first + count - 1 > MAX_ORDINAL) {
      throw new InternalError(
        `Sequence numbers exhausted: numbering ${count} more points would pass ${MAX_SEQUENCE_NUMBER} (2^53-1), the largest stored exactly`,
      );
    }
    this.next = first + count;
    // A failed early extension is retried, and reported, by the reservation that needs it.
    if (this.leaseEnd - this.next < this.leaseSize / 2) this.extend().catch(() => undefined);
    while (this.next > this.leaseEnd) await this.extend();
    return first;
  }

  /** One lease write at a time; each covers everything reserved when it started. */
  private extend(): Promise<void> {
    this.extension ??= (async () => {
      const end = leaseEndFrom(this.next, this.leaseSize);
      try {
        await writeFileAtomicAsync(this.path, leaseText(end));
        this.leaseEnd = Math.max(this.leaseEnd, end);
      } finally {
        this.extension = null;
      }
    })();
    return this.extension;
  }
}

function leaseEndFrom(first: number, leaseSize: number): number {
  return Math.min(first + leaseSize, MAX_ORDINAL + 1);
}

function leaseText(nextOrdinal: number): string {
  const file: LeaseFile = { nextOrdinal };
  return JSON.stringify(file);
}

/** A damaged file stops start-up: guessing could hand out numbers already used. */
function readLeaseFile(path: string): number {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const next = typeof parsed === 'object' && parsed !== null ? (parsed as Partial<LeaseFile>).nextOrdinal : undefined;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1 || next > MAX_ORDINAL + 1) {
    throw new Error(`${path}: nextOrdinal must be an integer from 1 to ${MAX_ORDINAL + 1}`);
  }
  return next;
}
