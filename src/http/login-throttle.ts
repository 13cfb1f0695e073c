/**
 * Slows down password guessing: each client address that keeps failing waits longer before
 * its next credential check (doubling from 100 ms up to `maxDelayMs`), and a success or ten quiet minutes
 * forget it. The table is bounded: past the limit the longest-quiet clients are forgotten
 * first, so a flood of addresses costs a fixed amount of memory.
 */
const FIRST_DELAY_MS = 100;
const FORGET_AFTER_MS = 10 * 60_000;
const MAX_CLIENTS = 10_000;

export class LoginThrottle {
  /** Insertion order is last-failure order: the oldest entry is the longest quiet. */
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly maxDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long this client waits before its credentials are checked. */
  delayFor(client: string): number {
    const entry = this.failures.get(client);
    if (entry === undefined || this.maxDelayMs === 0) return 0;
    if (this.now() - entry.last > FORGET_AFTER_MS) {
      this.failures.delete(client);
      return 0;
    }
    return Math.min(this.maxDelayMs, FIRST_DELAY_MS * 2 ** (entry.count - 1));
  }

  failed(client: string): void {
    const count = (this.failures.get(client)?.count ?? 0) + 1;
    this.failures.delete(client);
    this.failures.set(client, { count, last: this.now() });
    if (this.failures.size > MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }

  get size(): number {
    return this.failures.size;
  }
}
