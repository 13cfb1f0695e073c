/**
 * The memory that one request's point-by-point rows (series-rows.ts) live in: one run of
 * 8-byte slots and a parallel run of kind bytes, handed out front to back and taken back whole
 * when the next request starts. Series then cost no allocation per request, and the columns of
 * a request lie next to each other in the order they were written, which is the order they are
 * committed in: with a thousand small series a body is dominated by cache misses otherwise.
 *
 * A parse thread parses one body at a time, so one arena per thread is enough.
 */

const INITIAL_SLOTS = 1 << 14;
/** An arena grown past this for a huge body is let go when the next one starts. */
const MAX_KEPT_SLOTS = 1 << 19;

class RowArena {
  /** Float and integer views of the same slots; re-read after every `take`, which may move them. */
  f64 = new Float64Array(INITIAL_SLOTS);
  i32 = new Int32Array(this.f64.buffer);
  i64 = new BigInt64Array(this.f64.buffer);
  kinds = new Uint8Array(INITIAL_SLOTS);
  /** Slots handed out since `clear`. */
  private used = 0;

  /**
   * Takes back every slot, zeroed (kind null, value 0: a null's bytes in a batch do not depend
   * on earlier requests) in one pass rather than slot run by slot run. Rows of earlier requests
   * must be `reset` before they are used again.
   */
  clear(): void {
    if (this.f64.length > MAX_KEPT_SLOTS) {
      this.used = 0;
      this.resize(INITIAL_SLOTS);
      return;
    }
    this.f64.fill(0, 0, this.used);
    this.kinds.fill(0, 0, this.used);
    this.used = 0;
  }

  /** `count` consecutive zeroed slots; returns the first. */
  take(count: number): number {
    const at = this.used;
    if (at + count > this.f64.length) {
      let capacity = this.f64.length * 2;
      while (capacity < at + count) capacity *= 2;
      this.resize(capacity);
    }
    this.used = at + count;
    return at;
  }

  private resize(capacity: number): void {
    const used = Math.min(this.used, capacity);
    const f64 = new Float64Array(capacity);
    // Copied as words: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
    new Int32Array(f64.buffer).set(this.i32.subarray(0, 2 * used));
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds.subarray(0, used));
    this.f64 = f64;
    this.i32 = new Int32Array(f64.buffer);
    this.i64 = new BigInt64Array(f64.buffer);
    this.kinds = kinds;
  }
}

export const rowArena = new RowArena();
