/**
 * Reads and changes that wait until partitions are stored up to given stream sequences. Each
 * waits for the targets it was given when it began: callers pass positions that go on moving
 * (a front end's acknowledged sequences grow with every write), and a wait that followed them
 * would, under a steady load, last until the owners caught up with a pause in the writes.
 */
export class StoredWaiters {
  private readonly waiting = new Set<{ readonly targets: readonly number[]; readonly resolve: () => void }>();

  constructor(
    /** Per partition, the stream sequence stored up to; read as it moves on. */
    private readonly stored: readonly number[],
    /** Whether a partition's target counts (this node answers for it). */
    private readonly counts: (partition: number) => boolean,
  ) {}

  /** Resolves once every counted partition is stored up to `targets` as they are now; past `timeoutMs`, rejects with `late(those targets)`. */
  wait(targets: readonly number[], timeoutMs: number, late: (wanted: readonly number[]) => Error): Promise<void> {
    const wanted = [...targets];
    if (this.reached(wanted)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        targets: wanted,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.delete(waiter);
        reject(late(wanted));
      }, timeoutMs);
      this.waiting.add(waiter);
    });
  }

  /** Call after `stored` moved on, or a partition stopped counting: the waits that completes resolve. */
  storedMore(): void {
    for (const waiter of this.waiting) {
      if (!this.reached(waiter.targets)) continue;
      this.waiting.delete(waiter);
      waiter.resolve();
    }
  }

  private reached(targets: readonly number[]): boolean {
    return targets.every((target, p) => !this.counts(p) || this.stored[p]! >= target);
  }
}
