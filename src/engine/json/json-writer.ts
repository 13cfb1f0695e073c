/**
 * Writes JSON text straight into a growing byte buffer. Exporting is dominated by printing
 * numbers, so integers and short decimals are printed digit by digit here instead of through
 * strings, which also leaves nothing behind for the garbage collector.
 */
/**
 * "0000"…"9999" as little-endian 32-bit words, first digit in the low byte: four digits are one
 * load and one 32-bit store through a DataView, where they were four loads and four byte
 * stores, each bounds-checked (integers took 30 % of a whole-database export's CPU).
 */
const DIGIT_WORDS = new Uint32Array(10_000);
for (let value = 0; value < 10_000; value++) {
  const text = String(value).padStart(4, '0');
  DIGIT_WORDS[value] = (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24)) >>> 0;
}
const TWO_TO_53 = 2 ** 53;
/**
 * Room any number printed by writeInteger or writeFloat may take, with the up to three bytes
 * past its end that its last store may write (later text overwrites them).
 */
const MAX_NUMBER_BYTES = 24;
const utf8 = new TextEncoder();

/*
 * A thread's answers are written into one writer, borrowed and given back, rather than a new
 * 64 KiB one each: every buffer a thread lets go counts as external memory, which is what
 * makes V8 run full collections (a one-series aggregate ran one on the main thread every 160
 * queries when each answer moved its writer's whole buffer). Answers are written within one
 * message, so two never share it. One grown past KEPT_WRITER_BYTES (an answer of very wide
 * rows) is let go rather than held for good.
 */
let spare: JsonWriter | undefined;
const KEPT_WRITER_BYTES = 4 * 1024 * 1024;

/** The thread's spare writer, emptied, or a new one. Give it back with `giveBackWriter`. */
export function borrowWriter(): JsonWriter {
  const writer = spare ?? new JsonWriter(64 * 1024);
  spare = undefined;
  writer.length = 0;
  return writer;
}

/** Keeps `writer` for the thread's next answer; its bytes must no longer be needed. */
export function giveBackWriter(writer: JsonWriter): void {
  if (writer.raw().length <= KEPT_WRITER_BYTES) spare = writer;
}

/** A borrowed writer's text in a buffer of its own (which can be moved to another thread); the writer is given back. */
export function finishBorrowed(writer: JsonWriter): Uint8Array {
  const body = writer.bytes().slice();
  giveBackWriter(writer);
  return body;
}

export class JsonWriter {
  private buffer: Uint8Array;
  /** The same bytes, for the number writers' 32-bit stores. */
  private view: DataView;
  length = 0;
  private readonly recentStrings: (string | undefined)[] = [undefined, undefined];
  private readonly recentBytes: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private recentSlot = 0;

  /**
   * A writer with a buffer of its own, or one that writes into `bytes` (a chunked scan's page
   * slot, shared with the event loop), so that a page is made where it is read rather than
   * copied there. Past `bytes`' end it goes on in a buffer of its own, as any writer grows.
   */
  constructor(initialBytes: number | Uint8Array) {
    this.buffer = typeof initialBytes === 'number' ? new Uint8Array(Math.max(64, initialBytes)) : initialBytes;
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** Whether everything written so far is in `bytes` (the writer was made over them and has not outgrown them). */
  writesInto(bytes: Uint8Array): boolean {
    return this.buffer === bytes;
  }

  /** The text so far; its buffer is exclusively the writer's, so it can be transferred. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Make room for `bytes` more, so a caller can then write through `raw()` unchecked. */
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** The buffer itself, for hot loops that reserved their room first. Valid until the next reserve. */
  raw(): Uint8Array {
    return this.buffer;
  }

  /** A view of `raw()`'s bytes, for `writeInteger` and `writeFloat`. Valid until the next reserve. */
  rawView(): DataView {
    return this.view;
  }

  /** Bytes already encoded. */
  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * A JSON string literal written straight into the buffer when it is printable ASCII with
   * nothing to escape (series and column names nearly always are); otherwise as `string`
   * writes it, without remembering it.
   */
  plainString(value: string): void {
    this.reserve(value.length + 2);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = 0x22;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(value));
      buffer[at++] = c;
    }
    buffer[at++] = 0x22;
    this.length = at;
  }

  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.length++] = code;
  }

  /** Text known to be ASCII (punctuation, keywords, indentation). */
  ascii(value: string): void {
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.buffer[this.length++] = value.charCodeAt(i);
  }

  /** Text that may hold any characters. */
  text(value: string): void {
    this.reserve(value.length * 3);
    this.length += utf8.encodeInto(value, this.buffer.subarray(this.length)).written;
  }

  /**
   * A JSON string literal. The last two are kept encoded: a column often repeats a value row
   * after row (a host tag; a merge's `_orig_series` alternating between two series), and
   * copying bytes beats escaping and encoding again.
   */
  string(value: string): void {
    const slot = value === this.recentStrings[0] ? 0 : value === this.recentStrings[1] ? 1 : -1;
    if (slot < 0) {
      const start = this.length;
      this.text(JSON.stringify(value));
      this.recentSlot ^= 1;
      this.recentStrings[this.recentSlot] = value;
      this.recentBytes[this.recentSlot] = this.buffer.slice(start, this.length);
      return;
    }
    const bytes = this.recentBytes[slot]!;
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * An integral double, exactly. Beyond 2^53 (µs times after the year 2255, sequence numbers
   * written before they were bounded) its exact value comes from BigInt, off the fast path.
   */
  integer(value: number): void {
    if (!isSafeMagnitude(value)) return this.ascii(BigInt(value).toString());
    this.reserve(MAX_NUMBER_BYTES);
    this.length = writeInteger(this.view, this.length, value);
  }

  /** A float as JSON: see `writeFloat`; what it declines goes through JavaScript's formatting. */
  float(value: number): void {
    if (!Number.isFinite(value)) return this.ascii('null');
    this.reserve(MAX_NUMBER_BYTES);
    const end = writeFloat(this.view, this.length, value);
    if (end >= 0) this.length = end;
    else this.ascii(String(value));
  }
}

/** 0 ≤ value < 1e8 (int32), no leading zeros; returns the position after the digits. */
function writeDigits(view: DataView, at: number, value: number): number {
  if (value < 10_000) return writeUpToFourDigits(view, at, value);
  const high = (value / 10_000) | 0;
  at = writeUpToFourDigits(view, at, high);
  writeFourDigits(view, at, value - high * 10_000);
  return at + 4;
}

/**
 * 0 ≤ value < 10,000, no leading zeros: the tail of its four-digit word, shifted down, in one
 * store of four bytes; those past the digits are zeros that later text overwrites or the
 * text's length leaves out.
 */
function writeUpToFourDigits(view: DataView, at: number, value: number): number {
  const word = DIGIT_WORDS[value]!;
  if (value >= 1000) {
    view.setUint32(at, word, true);
    return at + 4;
  }
  if (value >= 100) {
    view.setUint32(at, word >>> 8, true);
    return at + 3;
  }
  if (value >= 10) {
    view.setUint32(at, word >>> 16, true);
    return at + 2;
  }
  view.setUint32(at, word >>> 24, true);
  return at + 1;
}

/** 0 ≤ value < 10,000 as exactly four digits. */
function writeFourDigits(view: DataView, at: number, value: number): void {
  view.setUint32(at, DIGIT_WORDS[value]!, true);
}

/** 0 ≤ value < 1e8 (int32) as exactly eight digits. */
function writeEightDigits(view: DataView, at: number, value: number): number {
  const high = (value / 10_000) | 0;
  writeFourDigits(view, at, high);
  writeFourDigits(view, at + 4, value - high * 10_000);
  return at + 8;
}

/** Whether `writeInteger` takes the value: magnitude below 2^53 (the int32 halves stay below 1e8). */
export function isSafeMagnitude(value: number): boolean {
  return value > -TWO_TO_53 && value < TWO_TO_53;
}

/**
 * An integer of magnitude below 2^53 (see `isSafeMagnitude`) into `view`, which must have
 * MAX_NUMBER_BYTES of room at `at`; returns the position after it.
 */
export function writeInteger(view: DataView, at: number, value: number): number {
  if (value < 0) {
    view.setUint8(at++, 45); // '-'
    value = -value;
  }
  if (value < 1e8) return writeDigits(view, at, value | 0);
  // Two int32 halves: the digit loops then stay in fast integer arithmetic. The split
  // multiplies by 1e-8, a division costing several times as much. Its floor is exact below
  // 2^53: the double 1e-8 is a little above 10^-8 (by 2.1·10^-25), so a multiple of 10^8 never
  // lands below its quotient k, and a value d ≥ 1 below one lands at least 10^-8 − 1.9·10^-9
  // under k, more than half the spacing of doubles near k < 2^27 (2^-27 ≈ 7.5·10^-9), so it
  // never rounds up to k. Every value within two of a multiple was also checked against
  // division. high × 10^8 < 2^53, so the remainder is exact.
  const high = Math.floor(value * 1e-8);
  return writeEightDigits(view, writeDigits(view, at, high | 0), (value - high * 1e8) | 0);
}

/**
 * A finite float as the shortest decimal with up to six fraction digits that reads back as the
 * same double, or an integral float as an integer. Returns the position after it, or -1 when
 * the value needs JavaScript's general shortest formatting (huge, tiny or long-fractioned
 * values).
 *
 * Why one scale: m / 10^6 is correctly rounded, so `round(|v| × 10^6) / 10^6 === |v|` proves
 * that |v| is the double nearest that six-decimal number; below 10^9 such numbers have at most
 * 15 significant digits, and two different ones are never the same double, so the six digits
 * without their trailing zeros are the shortest text that reads back as v — the one JavaScript
 * prints. Trying 10, 100, … in turn found the same text with a multiply, a round and a divide
 * per scale, and two-decimal metrics paid for two of them.
 */
export function writeFloat(view: DataView, at: number, value: number): number {
  const magnitude = value < 0 ? -value : value;
  if (Number.isInteger(value)) return magnitude < TWO_TO_53 ? writeInteger(view, at, value === 0 ? 0 : value) : -1;
  if (!(magnitude < 1e9)) return -1;
  const scaled = Math.round(magnitude * 1e6);
  if (scaled / 1e6 !== magnitude) return -1;
  if (value < 0) view.setUint8(at++, 45); // '-'
  const whole = Math.floor(magnitude);
  at = writeInteger(view, at, whole);
  view.setUint8(at++, 46); // '.'
  // The six fraction digits as a pair and a quad, then their trailing zeros dropped (the last
  // digit left is not zero: the value is not integral). Two-decimal values, the commonest
  // metrics, stop after the pair.
  // An int32 from here on: V8 then divides by the constants with multiplications.
  const fraction = (scaled - whole * 1e6) | 0;
  const first = (fraction / 10_000) | 0;
  const rest = fraction - first * 10_000;
  view.setUint16(at, DIGIT_WORDS[first]! >>> 16, true);
  if (rest === 0) return first % 10 === 0 ? at + 1 : at + 2;
  writeFourDigits(view, at + 2, rest);
  let end = at + 6;
  while (view.getUint8(end - 1) === 48) end--;
  return end;
}
