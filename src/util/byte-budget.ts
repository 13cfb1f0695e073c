/**
 * A bound on bytes held by one queue. A single claim larger than the whole budget is still let
 * in when nothing else is held (`fits`), or when it is the oldest claim holding bytes
 * (`admits`), so a request the size limits allow can always make progress.
 */
export class ByteBudget {
  private held = 0;
  /** The claims (ByteClaim) holding bytes, in the order they began to: the first is the oldest. */
  private readonly holders = new Set<ByteClaim>();

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

  /**
   * Whether `claim` may hold `bytes` more: they fit, or it is the oldest of the claims holding
   * any (or none holds any). Letting the oldest past the limit means one always goes on: when a
   * claim was let past only if alone, 40 answers that together filled the budget all failed at
   * their next page, none of them alone.
   */
  admits(claim: ByteClaim, bytes: number): boolean {
    if (this.held + bytes <= this.limit) return true;
    const oldest = this.holders.values().next().value;
    return oldest === undefined || oldest === claim;
  }

  /** Claims `bytes`; callers ask `fits` first, except for memory that already exists. */
  take(bytes: number): void {
    this.held += bytes;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  /** Counts `bytes` more for `claim`, which then holds `total` (ByteClaim only). */
  move(claim: ByteClaim, bytes: number, total: number): void {
    this.take(bytes);
    // A Set keeps a member where it was first added, so a claim keeps its place while it holds.
    if (total === 0) this.holders.delete(claim);
    else this.holders.add(claim);
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

  /** Counts `bytes` in all when the budget admits them (ByteBudget.admits); false, counting nothing more, when not. */
  tryGrowTo(bytes: number): boolean {
    if (bytes <= this.held) return true;
    if (!this.budget.admits(this, bytes - this.held)) return false;
    this.resize(bytes);
    return true;
  }

  /** Counts `bytes` in all, whatever the budget holds: for memory that exists already. */
  resize(bytes: number): void {
    this.budget.move(this, bytes - this.held, bytes);
    this.held = bytes;
  }

  release(): void {
    this.resize(0);
  }

  /** A claim of this one's bytes, which this one no longer holds; it is the newest holder. */
  handOver(): ByteClaim {
    const next = new ByteClaim(this.budget);
    const bytes = this.held;
    // The new claim is counted before this one lets go, so the bytes are never uncounted.
    next.resize(bytes);
    this.release();
    return next;
  }
}
