interface Entry {
  readonly seq: number;
  settled: boolean;
  error?: unknown;
}

/**
 * Writes handed to a shard without waiting for each, seen stored in stream order: a message
 * counts as stored only once every message before it is, and after the first failure none
 * does (the consumer then starts again after the last one that did).
 */
export class InOrderWindow {
  private readonly entries: Entry[] = [];
  private waiters: (() => void)[] = [];
  private failed = false;
  failure: unknown;

  constructor(
    private readonly limit: number,
    private readonly onStored: (seq: number) => void,
    private readonly onFailure: () => void,
  ) {}

  add(seq: number, stored: Promise<void>): void {
    const entry: Entry = { seq, settled: false };
    this.entries.push(entry);
    stored.then(
      () => this.settle(entry),
      (err: unknown) => this.settle(entry, err ?? new Error('write failed')),
    );
  }

  /** Resolves when fewer than the limit are outstanding (at once after a failure). */
  room(): Promise<void> {
    return this.until(() => this.failed || this.entries.length < this.limit);
  }

  /** Resolves when every write handed on has settled. */
  drained(): Promise<void> {
    return this.until(() => this.entries.length === 0);
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  private settle(entry: Entry, error?: unknown): void {
    entry.settled = true;
    if (error !== undefined) entry.error = error;
    while (this.entries[0]?.settled) {
      const oldest = this.entries.shift()!;
      if (oldest.error !== undefined && !this.failed) {
        this.failed = true;
        this.failure = oldest.error;
        this.onFailure();
      }
      if (!this.failed) this.onStored(oldest.seq);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
