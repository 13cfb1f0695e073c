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

  /** Claims `bytes`; callers ask `fits` first, except for memory that already exists. */
  take(bytes: number): void {
    this.held += bytes;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}
