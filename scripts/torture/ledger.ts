/**
 * Every write request the torture sent: its points (a contiguous range of point ids, see
 * workload.ts) and what became of it. A request the server never answered may be kept or
 * dropped by the crash, but whole; once a restart has shown which, that is what every later
 * restart must show too.
 */
export const Fate = {
  /** Sent, no answer yet. */
  InFlight: 0,
  /** Answered 200: every point must be stored, exactly once, from now on. */
  Acknowledged: 1,
  /** Answered with an error: nothing of it may be stored. */
  Refused: 2,
  /** The connection died with the server before an answer: all or nothing. */
  Unanswered: 3,
  /** Unanswered, and a restart showed all of it: it must stay, like an acknowledged one. */
  Kept: 4,
  /** Unanswered or refused, and a restart showed none of it: it must never appear. */
  Dropped: 5,
  /** Found partly stored (already reported as a violation; not checked again). */
  Broken: 6,
} as const;
export type Fate = (typeof Fate)[keyof typeof Fate];

export class Ledger {
  readonly first: number[] = [];
  readonly size: number[] = [];
  readonly fate: Fate[] = [];
  /** Point ids handed out so far: every stored point is below this. */
  issuedPoints = 0;
  acknowledgedPoints = 0;
  acknowledgedRequests = 0;

  /** Allocates the next `size` point ids to a new request; returns the request's index. */
  open(size: number): number {
    this.first.push(this.issuedPoints);
    this.size.push(size);
    this.fate.push(Fate.InFlight);
    this.issuedPoints += size;
    return this.fate.length - 1;
  }

  settle(request: number, fate: Fate): void {
    this.fate[request] = fate;
    if (fate !== Fate.Acknowledged) return;
    this.acknowledgedPoints += this.size[request]!;
    this.acknowledgedRequests++;
  }

  get requests(): number {
    return this.fate.length;
  }
}
