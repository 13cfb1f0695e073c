/**
 * Slows down password guessing: each client address that keeps failing waits longer before
 * its next credential check (doubling from 100 ms up to `maxDelayMs`), and a success or ten quiet minutes
 * forget it. The table is bounded: past the limit the longest-quiet clients are forgotten
 * first, so a flood of addresses costs a fixed amount of memory.
 *
 * A failing client's checks also take turns: each attempt waits its delay after the turn of
 * the attempt before it, counted as if every waiting attempt had failed, so guesses sent in
 * parallel are no faster than guesses sent one by one; past MAX_WAITING waiting attempts the
 * next is refused at once instead of queued.
 */
const FIRST_DELAY_MS = 100;
const FORGET_AFTER_MS = 10 * 60_000;
const MAX_CLIENTS = 10_000;
const MAX_WAITING = 3;

/** One attempt's place in its client's line: how long it waits, and `end` once it is decided. */
export interface LoginTurn {
  readonly waitMs: number;
  end(): void;
}

const NO_WAIT: LoginTurn = { waitMs: 0, end: () => undefined };

export class LoginThrottle {
  /** Insertion order is last-failure order: the oldest entry is the longest quiet. */
  private readonly failures = new Map<string, { count: number; last: number }>();
  /** Failing clients with attempts waiting: how many, and when the last one's turn comes. Only as big as the requests open. */
  private readonly lines = new Map<string, { waiting: number; lastTurn: number }>();

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

  /** The attempt's turn, or undefined when MAX_WAITING of the client's attempts already wait. */
  begin(client: string): LoginTurn | undefined {
    const entry = this.failures.get(client);
    if (entry === undefined || this.delayFor(client) === 0) return NO_WAIT;
    const line = this.lines.get(client) ?? { waiting: 0, lastTurn: 0 };
    if (line.waiting >= MAX_WAITING) return undefined;
    const now = this.now();
    const delay = Math.min(this.maxDelayMs, FIRST_DELAY_MS * 2 ** (entry.count - 1 + line.waiting));
    const turn = Math.max(now, line.lastTurn) + delay;
    line.waiting++;
    line.lastTurn = turn;
    this.lines.set(client, line);
    let ended = false;
    return {
      waitMs: turn - now,
      end: () => {
        if (ended) return;
        ended = true;
        if (--line.waiting === 0) this.lines.delete(client);
      },
    };
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

  /** Seconds a refused attempt should wait before trying again: the longest delay. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.maxDelayMs / 1000));
  }

  get size(): number {
    return this.failures.size;
  }
}
