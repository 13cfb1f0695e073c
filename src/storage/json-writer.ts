/**
 * Writes JSON text straight into a growing byte buffer. Exporting is dominated by printing
 * numbers, so integers and short decimals are printed digit by digit here instead of through
 * strings, which also leaves nothing behind for the garbage collector.
 */
const DIGIT_PAIRS = new TextEncoder().encode(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));
const SCALES = [10, 100, 1000, 10_000, 100_000, 1_000_000];
const utf8 = new TextEncoder();

export class JsonWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(initialBytes: number) {
    this.buffer = new Uint8Array(Math.max(64, initialBytes));
  }

  /** The text so far; its buffer is exclusively the writer's, so it can be transferred. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.length++] = code;
  }

  /** Text that may hold any characters. */
  text(value: string): void {
    this.reserve(value.length * 3);
    this.length += utf8.encodeInto(value, this.buffer.subarray(this.length)).written;
  }

  /** A JSON string literal. */
  string(value: string): void {
    this.text(JSON.stringify(value));
  }

  /** An integer of magnitude below 2^53. */
  integer(value: number): void {
    this.reserve(17);
    if (value < 0) {
      this.buffer[this.length++] = 45; // '-'
      value = -value;
    }
    if (value >= 1e8) {
      const high = Math.floor(value / 1e8);
      this.smallInteger(high);
      this.padded8(value - high * 1e8);
    } else {
      this.smallInteger(value);
    }
  }

  /**
   * A float as the shortest decimal with up to six fraction digits that reads back as the
   * same double (m / 10^d is correctly rounded, so equality proves the round trip); anything
   * else goes through JavaScript's own shortest formatting. Non-finite values are null (0.8).
   */
  float(value: number): void {
    if (!Number.isFinite(value)) return this.text('null');
    const magnitude = Math.abs(value);
    if (Number.isInteger(value) && magnitude < 2 ** 53) {
      if (Object.is(value, -0)) return this.byte(48);
      return this.integer(value);
    }
    if (magnitude < 1e9) {
      for (let d = 0; d < SCALES.length; d++) {
        const scale = SCALES[d]!;
        const scaled = Math.round(magnitude * scale);
        if (scaled / scale !== magnitude) continue;
        this.reserve(20);
        if (value < 0) this.buffer[this.length++] = 45;
        const whole = Math.floor(scaled / scale);
        this.integer(whole);
        this.reserve(8);
        this.buffer[this.length++] = 46; // '.'
        this.fraction(scaled - whole * scale, d + 1);
        return;
      }
    }
    this.text(String(value));
  }

  /** 0 ≤ value < 1e8, no leading zeros. */
  private smallInteger(value: number): void {
    let digits = 1;
    for (let limit = 10; value >= limit && digits < 8; limit *= 10) digits++;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    while (rest >= 100) {
      const pair = (rest % 100) * 2;
      rest = Math.floor(rest / 100);
      this.buffer[--at] = DIGIT_PAIRS[pair + 1]!;
      this.buffer[--at] = DIGIT_PAIRS[pair]!;
    }
    if (rest >= 10) {
      this.buffer[--at] = DIGIT_PAIRS[rest * 2 + 1]!;
      this.buffer[--at] = DIGIT_PAIRS[rest * 2]!;
    } else {
      this.buffer[--at] = 48 + rest;
    }
  }

  /** 0 ≤ value < 1e8, exactly eight digits. */
  private padded8(value: number): void {
    let at = this.length + 8;
    this.length = at;
    let rest = value;
    for (let i = 0; i < 4; i++) {
      const pair = (rest % 100) * 2;
      rest = Math.floor(rest / 100);
      this.buffer[--at] = DIGIT_PAIRS[pair + 1]!;
      this.buffer[--at] = DIGIT_PAIRS[pair]!;
    }
  }

  /** `value` as exactly `digits` fraction digits; the last is non-zero by construction. */
  private fraction(value: number, digits: number): void {
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    for (let i = 0; i < digits; i++) {
      this.buffer[--at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }
}
