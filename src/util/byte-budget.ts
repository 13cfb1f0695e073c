/**
 * A bound on bytes held by one queue. A single claim larger than the whole budget is still let
 * in when nothing else is held, so a request the size limits allow can always make progress.
 */
export class ByteBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.held;
  }

  get full(): boolean {
    return this.held >= this.limit;
  }

  /** Whether `bytes` more fit now. */
  fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.limit;
  }

  /** Whether a holder of `own` bytes may take `bytes` more: they fit, or nobody else holds any. */
  fitsBeside(own: number, bytes: number): boolean {
    return this.held === own || this.held + bytes <= this.limit;
  }

  /** Claims `bytes`; callers ask `fits` first, except for memory that already exists. */
  take(bytes: number): void {
    this.held += bytes;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}

/**
 * One holder's bytes in a budget, grown as its memory grows and released once, wherever it
 * ends; handed on whole when the memory changes hands (a whole answer, from the coordinator
 * that builds it to the exchange that sends it).
 */
export class ByteClaim {
  private held = 0;

  constructor(private readonly budget: ByteBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** The budget's bound. */
  get limit(): number {
    return this.budget.limit;
  }

  /** Counts `bytes` in all, when they fit beside the other holders' (fitsBeside); false, counting nothing more, when not. */
  tryGrowTo(bytes: number): boolean {
    if (bytes <= this.held) return true;
    if (!this.budget.fitsBeside(this.held, bytes - this.held)) return false;
    this.resize(bytes);
    return true;
  }

  /** Counts `bytes` in all, whatever the budget holds: for memory that exists already. */
  resize(bytes: number): void {
    this.budget.take(bytes - this.held);
    this.held = bytes;
  }

  release(): void {
    this.resize(0);
  }

  /** A claim of this one's bytes, which this one no longer holds. */
  handOver(): ByteClaim {
    const next = new ByteClaim(this.budget);
    next.held = this.held;
    this.held = 0;
    return next;
  }
}
