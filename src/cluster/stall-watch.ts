/** A consumer that stored nothing for this long is worth asking its stream about. */
export const STALL_AFTER_MS = 2_000;
/**
 * A message the stream was seen to hold, not stored this long after, was not delivered: the
 * consumer has stalled. A delivered message is stored within milliseconds.
 */
export const STALL_CONFIRM_MS = 1_000;

/**
 * Decides when a partition's consumer has stalled (its NATS server died, and its pulls wait in
 * vain), from how far the partition is stored and the stream's last sequence, asked now and then.
 *
 * Seeing the stream hold more than is stored is not enough: on a consumer idle for a while, the
 * first message written after the pause is in the stream a moment before it is delivered, and a
 * check in that moment found the consumer "stalled". It was then made again, and the message
 * waited for the new consumer: seconds under load, where a query waits at most 10 s for the
 * writes its caller was told were stored (the cluster front-end suite failed so, 2026-12-07).
 * So a stall is a message seen in the stream that is still not stored STALL_CONFIRM_MS later.
 */
export class StallWatch {
  private seen: number;
  private movedAt: number;
  /** When the stream was first seen to hold more than is stored, with nothing stored since. */
  private behindSince: number | undefined;

  constructor(applied: number, now: number) {
    this.seen = applied;
    this.movedAt = now;
  }

  /** Whether to ask the stream for its last sequence now: nothing was stored for a while. */
  shouldAsk(applied: number, now: number): boolean {
    this.note(applied, now);
    return now - this.movedAt >= STALL_AFTER_MS;
  }

  /** Given the stream's last sequence, as just asked: true when the consumer has stalled. */
  stalled(applied: number, last: number, now: number): boolean {
    this.note(applied, now);
    if (last <= applied) {
      this.behindSince = undefined;
      return false;
    }
    this.behindSince ??= now;
    return now - this.behindSince >= STALL_CONFIRM_MS;
  }

  private note(applied: number, now: number): void {
    if (applied === this.seen) return;
    this.seen = applied;
    this.movedAt = now;
    this.behindSince = undefined;
  }
}
