/**
 * A write batch as cluster mode's log carries it: packed, then compressed with Brotli at
 * quality 1, by the parse thread that made it; decompressed and unpacked by the shard thread
 * that stores it.
 *
 * Why: the NATS servers' work grows with the bytes they take, replicate, write to their files
 * and hand to the owners, and deflating a batch as it is (write-batch-deflate.ts) cost the
 * parse thread more than parsing it: zlib read 34 bytes a point — times, sequence numbers and
 * values as 8-byte numbers, and each series' headers — to find what repeats. Packed first, a
 * point of the peer bench's workload is a few bytes of small integers, which zlib reads in a
 * fraction of the time and shrinks further (bench/write-batch-deflate.ts has the figures).
 * Brotli at quality 1 rather than DEFLATE at level 1: on packed batches it compresses in about
 * 0.6 of the time to the same size, and decompresses in about 1.7 times the time, less in all,
 * and less on the parse thread, which every write of a node goes through.
 *
 * The packed form follows the batch's layout (write-batch.ts) field by field:
 *
 *     u8 format
 *     the batch's 32-byte header and database name, as they are
 *     per series entry: varint count, varint column count, varint name length, name
 *       numbers(times)  numbers(sequence numbers)
 *       per column: varint name length, varint string count (with its constant bit), name
 *         constant column: varint length, its one string
 *         else: numbers(values), kinds (u8 k: every row's kind; or 255 and one byte a row),
 *               per string: varint length, bytes
 *
 * numbers(run) is a mode byte and the run's values:
 *     RAW          8 bytes each, as they are
 *     otherwise    (decimals << 3) | (int64 << 2) | order: the values as integers — float64
 *                  integers, decimals scaled by 10^decimals, or int64 slots — written as
 *                  zig-zag varints: the first as a step from the first value of the run
 *                  before it in the same role (times, sequence numbers, the k-th column), then
 *                  steps (order DELTAS) or steps of steps (order STEPS2), the first step
 *                  itself a step from that role's last first step; order EVEN (every step
 *                  the same: evenly spaced times, a request's server-numbered points) stops
 *                  after the first step.
 * A run is integers only when every value gives itself back exactly (−0, NaN, infinities and
 * values past ±2^52 stay RAW), so the batch unpacks to the same bytes; padding is zero in every
 * batch a builder makes, and a batch with anything else in its padding is not packed at all
 * (`packBatch` returns undefined and the caller deflates it as it is).
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { ValueKind } from './columns.js';
import { uninitializedBytes } from '../util/uninitialized-bytes.js';
import { unzigzag, zigzag } from './zigzag.js';

/** What the log's `Sluice-Encoding` header says of a packed batch. */
export const PACKED_BATCH_ENCODING = 'swb-pack';

const FORMAT = 1;
const HEADER_SIZE = 32;
const CONSTANT_COLUMN = 0x8000_0000;
const BATCH_VERSION = 3;

const RAW = 0xff;
const DELTAS = 1;
const STEPS2 = 2;
/** Every step the same (evenly spaced times, a request's server-numbered points): nothing after the first step. */
const EVEN = 3;
const INT64 = 4;
/** Mode bits above the order and the int64 flag: the decimals of scaled values. */
const DECIMALS_SHIFT = 3;
const MAX_DECIMALS = 15;
const MIXED_KINDS = 0xff;

/** Past this, a value, step or step of steps is not packed: the arithmetic stays exact below it. */
const LIMIT = 2 ** 52;
const TWO_32 = 2 ** 32;
const POWERS_OF_TEN = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/** Roles whose runs share a context: times, sequence numbers, then columns by their place (the last shared by the rest). */
const TIME_ROLE = 0;
const SEQ_ROLE = 1;
const COLUMN_ROLES = 8;
const ROLES = 2 + COLUMN_ROLES;

class NotPackable extends Error {}

/**
 * The batch packed and compressed, or undefined when it cannot be packed exactly (a batch of
 * another version, or with bytes in its padding): the caller then deflates it as it is.
 */
export function packBatch(batch: Uint8Array): Uint8Array | undefined {
  let packed: Uint8Array;
  try {
    packed = new BatchPacker(batch).pack();
  } catch (err) {
    if (err instanceof NotPackable) return undefined;
    throw err;
  }
  return brotliCompressSync(packed, { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: packed.length } });
}

/**
 * The batch `packBatch` made `payload` from, which was `rawBytes` long, as an array of its own
 * (decodeWriteBatch views its numbers in place, and the memtable may keep it). A payload that
 * does not unpack to exactly `rawBytes` bytes is refused.
 */
export function unpackBatch(payload: Uint8Array, rawBytes: number): Uint8Array {
  // The packed form is never longer than the batch plus a mode byte a run; a damaged payload cannot make more.
  const packed = brotliDecompressSync(payload, { maxOutputLength: 2 * rawBytes + 1024 });
  return new BatchUnpacker(packed, rawBytes).unpack();
}

/** The contexts of the roles: each one's last first value and last first step. */
class RoleContexts {
  readonly first = new Float64Array(ROLES);
  readonly step = new Float64Array(ROLES);
}

function columnRole(column: number): number {
  return 2 + Math.min(column, COLUMN_ROLES - 1);
}

function align8(offset: number): number {
  return (offset + 7) & ~7;
}

class BatchPacker {
  private out: Uint8Array;
  private at = 0;
  private readonly f64: Float64Array;
  private readonly words: Uint32Array;
  private readonly roles = new RoleContexts();
  /** The run's values as integers, reused from run to run. */
  private ints = new Float64Array(64);

  constructor(private readonly batch: Uint8Array) {
    if (batch.byteOffset % 8 !== 0 || batch.length % 8 !== 0) throw new NotPackable();
    this.f64 = new Float64Array(batch.buffer, batch.byteOffset, batch.length >>> 3);
    this.words = new Uint32Array(batch.buffer, batch.byteOffset, batch.length >>> 2);
    this.out = new Uint8Array(batch.length + (batch.length >>> 3) + 64);
  }

  pack(): Uint8Array {
    const batch = this.batch;
    if (batch.length < HEADER_SIZE || batch[0] !== 0x53 || batch[1] !== 0x57 || batch[2] !== 0x42 || batch[3] !== BATCH_VERSION) throw new NotPackable();
    const seriesCount = this.u32(4);
    const dbLength = this.u32(12);
    this.byte(FORMAT);
    this.copy(0, HEADER_SIZE + dbLength);
    let at = this.zeroPadding(HEADER_SIZE + dbLength);
    for (let s = 0; s < seriesCount; s++) at = this.entry(at);
    if (at !== batch.length) throw new NotPackable();
    return this.out.subarray(0, this.at);
  }

  private entry(at: number): number {
    const count = this.u32(at);
    const columnCount = this.u32(at + 4);
    const nameLength = this.u32(at + 8);
    this.varint(count);
    this.varint(columnCount);
    this.varint(nameLength);
    this.copy(at + 12, nameLength);
    at = this.zeroPadding(at + 12 + nameLength);
    this.numbers(at >>> 3, count, TIME_ROLE, false);
    this.numbers((at >>> 3) + count, count, SEQ_ROLE, false);
    at += 16 * count;
    for (let c = 0; c < columnCount; c++) at = this.column(at, count, columnRole(c));
    return at;
  }

  private column(at: number, count: number, role: number): number {
    const nameLength = this.u32(at);
    const strings = this.u32(at + 4);
    this.varint(nameLength);
    this.varint(strings);
    this.copy(at + 8, nameLength);
    at += 8 + nameLength;
    const constant = strings >= CONSTANT_COLUMN;
    if (!constant) {
      at = this.zeroPadding(at);
      const kindsAt = at + 8 * count;
      const kind = this.uniformKind(kindsAt, count);
      this.numbers(at >>> 3, count, role, kind === ValueKind.Int);
      if (kind === MIXED_KINDS) {
        this.byte(MIXED_KINDS);
        this.copy(kindsAt, count);
      } else {
        this.byte(kind);
      }
      at = kindsAt + count;
    }
    const stringCount = constant ? 1 : strings;
    for (let i = 0; i < stringCount; i++) {
      const length = this.u32(at);
      this.varint(length);
      this.copy(at + 4, length);
      at += 4 + length;
    }
    return this.zeroPadding(at);
  }

  /** Every row's kind when they are all one (never MIXED_KINDS, which no kind is), else MIXED_KINDS. */
  private uniformKind(kindsAt: number, count: number): number {
    const batch = this.batch;
    if (kindsAt + count > batch.length) throw new NotPackable();
    if (count === 0) return ValueKind.Null;
    const kind = batch[kindsAt]!;
    for (let i = 1; i < count; i++) if (batch[kindsAt + i] !== kind) return MIXED_KINDS;
    return kind;
  }

  /** The run of `count` value slots from f64 index `index`, in the role's context. */
  private numbers(index: number, count: number, role: number, int64: boolean): void {
    if (index + count > this.f64.length) throw new NotPackable();
    this.reserve(1 + 8 * count + 10);
    if (count === 0) {
      this.byte(RAW);
      return;
    }
    const decimals = int64 ? this.int64Run(index, count) : this.floatRun(index, count);
    if (decimals < 0) {
      this.byte(RAW);
      this.copy(index * 8, count * 8);
      return;
    }
    const ints = this.ints;
    // Steps of steps when they are smaller in sum: evenly spaced times, server sequence numbers.
    let deltaSum = 0;
    let steps2Sum = 0;
    for (let i = 1; i < count; i++) {
      const step = ints[i]! - ints[i - 1]!;
      if (!(Math.abs(step) <= LIMIT)) return this.rawAfterAll(index, count);
      deltaSum += Math.abs(step);
      if (i >= 2) {
        const steps2 = step - (ints[i - 1]! - ints[i - 2]!);
        if (!(Math.abs(steps2) <= LIMIT)) return this.rawAfterAll(index, count);
        steps2Sum += Math.abs(steps2);
      }
    }
    const roles = this.roles;
    const first = ints[0]! - roles.first[role]!;
    const firstStep = count >= 2 ? ints[1]! - ints[0]! - roles.step[role]! : 0;
    if (!(Math.abs(first) <= LIMIT) || !(Math.abs(firstStep) <= LIMIT)) return this.rawAfterAll(index, count);
    const order = count >= 3 && steps2Sum === 0 ? EVEN : steps2Sum < deltaSum ? STEPS2 : DELTAS;
    this.byte((decimals << DECIMALS_SHIFT) | (int64 ? INT64 : 0) | order);
    this.varint(zigzag(first));
    roles.first[role] = ints[0]!;
    if (count < 2) return;
    this.varint(zigzag(firstStep));
    roles.step[role] = ints[1]! - ints[0]!;
    if (order === EVEN) return;
    if (order === DELTAS) {
      for (let i = 2; i < count; i++) this.varint(zigzag(ints[i]! - ints[i - 1]!));
    } else {
      for (let i = 2; i < count; i++) this.varint(zigzag(ints[i]! - ints[i - 1]! - (ints[i - 1]! - ints[i - 2]!)));
    }
  }

  private rawAfterAll(index: number, count: number): void {
    this.byte(RAW);
    this.copy(index * 8, count * 8);
  }

  /**
   * Fills `ints` with the run's float64 values as integers, scaled by the fewest decimals that
   * give every one back exactly; returns the decimals, or -1 when there are none.
   */
  private floatRun(index: number, count: number): number {
    const f64 = this.f64;
    const ints = this.intsFor(count);
    let decimals = 0;
    let scale = 1;
    /** Values before this one were scaled by fewer decimals. */
    let scaledFrom = 0;
    for (let i = 0; i < count; i++) {
      const v = f64[index + i]!;
      if (!(Math.abs(v) <= LIMIT) || (v === 0 && 1 / v < 0)) return -1;
      let scaled = Math.round(v * scale);
      // Division, not multiplication by 10^-d: that is what the unpacker does, and it is exact when it gives v back.
      while (scaled / scale !== v || !(Math.abs(scaled) <= LIMIT)) {
        if (++decimals > MAX_DECIMALS) return -1;
        scale = POWERS_OF_TEN[decimals]!;
        scaled = Math.round(v * scale);
        scaledFrom = i;
      }
      ints[i] = scaled;
    }
    for (let i = 0; i < scaledFrom; i++) {
      const scaled = Math.round(f64[index + i]! * scale);
      if (scaled / scale !== f64[index + i]! || !(Math.abs(scaled) <= LIMIT)) return -1;
      ints[i] = scaled;
    }
    return decimals;
  }

  /** Fills `ints` with the run's int64 slots when each is within ±2^52; returns 0, or -1. */
  private int64Run(index: number, count: number): number {
    const words = this.words;
    const ints = this.intsFor(count);
    for (let i = 0; i < count; i++) {
      const low = words[2 * (index + i)]!;
      const high = words[2 * (index + i) + 1]! | 0;
      const value = high * TWO_32 + low;
      if (!(Math.abs(value) <= LIMIT)) return -1;
      ints[i] = value;
    }
    return 0;
  }

  private intsFor(count: number): Float64Array {
    if (this.ints.length < count) this.ints = new Float64Array(Math.max(count, 2 * this.ints.length));
    return this.ints;
  }

  /** Where the batch goes on after padding from `at` to a multiple of 8, which must be zeros. */
  private zeroPadding(at: number): number {
    const aligned = align8(at);
    if (aligned > this.batch.length) throw new NotPackable();
    for (let i = at; i < aligned; i++) if (this.batch[i] !== 0) throw new NotPackable();
    return aligned;
  }

  private u32(at: number): number {
    const batch = this.batch;
    if (at + 4 > batch.length) throw new NotPackable();
    return (batch[at]! | (batch[at + 1]! << 8) | (batch[at + 2]! << 16) | (batch[at + 3]! << 24)) >>> 0;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.out[this.at++] = value;
  }

  private varint(value: number): void {
    this.reserve(8);
    const out = this.out;
    let at = this.at;
    if (value < 0x1_0000_0000) {
      // Within 32 bits, integer operations: several times faster than % and Math.floor.
      while (value > 0x7f) {
        out[at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
    } else {
      while (value >= 0x80) {
        out[at++] = (value % 0x80) | 0x80;
        value = Math.floor(value / 0x80);
      }
    }
    out[at++] = value;
    this.at = at;
  }

  private copy(from: number, length: number): void {
    if (from + length > this.batch.length) throw new NotPackable();
    this.reserve(length);
    const out = this.out;
    const batch = this.batch;
    if (length <= 32) {
      for (let i = 0; i < length; i++) out[this.at + i] = batch[from + i]!;
    } else {
      out.set(batch.subarray(from, from + length), this.at);
    }
    this.at += length;
  }

  private reserve(more: number): void {
    if (this.at + more <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.at + more, 2 * this.out.length));
    grown.set(this.out.subarray(0, this.at));
    this.out = grown;
  }
}

class BatchUnpacker {
  private at = 0;
  private readonly batch: Uint8Array;
  private readonly f64: Float64Array;
  private readonly words: Uint32Array;
  private readonly roles = new RoleContexts();

  constructor(
    private readonly packed: Uint8Array,
    rawBytes: number,
  ) {
    if (rawBytes % 8 !== 0 || rawBytes < HEADER_SIZE) throw new Error(`a packed write batch cannot be ${rawBytes} bytes long`);
    // Not zero-filled first (a fresh zeroed array cost more than the rest of unpacking): every
    // byte is written, the padding by `padded`.
    this.batch = uninitializedBytes(rawBytes);
    this.f64 = new Float64Array(this.batch.buffer);
    this.words = new Uint32Array(this.batch.buffer);
  }

  unpack(): Uint8Array {
    if (this.byte() !== FORMAT) throw new Error('not a packed write batch of a known format');
    this.copy(0, HEADER_SIZE);
    const seriesCount = this.u32At(4);
    const dbLength = this.u32At(12);
    this.copy(HEADER_SIZE, dbLength);
    let at = this.padded(HEADER_SIZE + dbLength);
    for (let s = 0; s < seriesCount; s++) at = this.entry(at);
    if (at !== this.batch.length || this.at !== this.packed.length) throw new Error('a packed write batch did not unpack to its stated length');
    return this.batch;
  }

  private entry(at: number): number {
    const count = this.varint();
    const columnCount = this.varint();
    const nameLength = this.varint();
    this.u32To(at, count);
    this.u32To(at + 4, columnCount);
    this.u32To(at + 8, nameLength);
    this.copy(at + 12, nameLength);
    at = this.padded(at + 12 + nameLength);
    this.numbers(at >>> 3, count, TIME_ROLE);
    this.numbers((at >>> 3) + count, count, SEQ_ROLE);
    at += 16 * count;
    for (let c = 0; c < columnCount; c++) at = this.column(at, count, columnRole(c));
    return at;
  }

  private column(at: number, count: number, role: number): number {
    const nameLength = this.varint();
    const strings = this.varint();
    this.u32To(at, nameLength);
    this.u32To(at + 4, strings);
    this.copy(at + 8, nameLength);
    at += 8 + nameLength;
    const constant = strings >= CONSTANT_COLUMN;
    if (!constant) {
      at = this.padded(at);
      this.numbers(at >>> 3, count, role);
      const kindsAt = at + 8 * count;
      const kind = this.byte();
      if (kind === MIXED_KINDS) this.copy(kindsAt, count);
      else {
        this.room(kindsAt, count);
        for (let i = 0; i < count; i++) this.batch[kindsAt + i] = kind;
      }
      at = kindsAt + count;
    }
    const stringCount = constant ? 1 : strings;
    for (let i = 0; i < stringCount; i++) {
      const length = this.varint();
      this.u32To(at, length);
      this.copy(at + 4, length);
      at += 4 + length;
    }
    return this.padded(at);
  }

  /** Zeros from `at` to the next multiple of 8, which it returns. */
  private padded(at: number): number {
    const aligned = align8(at);
    this.room(at, aligned - at);
    for (let i = at; i < aligned; i++) this.batch[i] = 0;
    return aligned;
  }

  private numbers(index: number, count: number, role: number): void {
    this.room(index * 8, count * 8);
    const mode = this.byte();
    if (mode === RAW) {
      this.copy(index * 8, count * 8);
      return;
    }
    if (count === 0) throw new Error('a packed write batch has an empty run that is not raw');
    const order = mode & 3;
    const int64 = (mode & INT64) !== 0;
    const decimals = mode >>> DECIMALS_SHIFT;
    if (order === 0 || decimals > MAX_DECIMALS || (int64 && decimals > 0)) throw new Error(`a packed write batch has a run of unknown mode ${mode}`);
    // The integers first, in place as float64, then scaled or split into int64 words.
    const f64 = this.f64;
    const roles = this.roles;
    let value = roles.first[role]! + unzigzag(this.varint());
    roles.first[role] = value;
    f64[index] = value;
    if (count >= 2) {
      let step = roles.step[role]! + unzigzag(this.varint());
      roles.step[role] = step;
      value += step;
      f64[index + 1] = value;
      if (order === EVEN) for (let i = 2; i < count; i++) f64[index + i] = value += step;
      const packed = this.packed;
      for (let i = order === EVEN ? count : 2; i < count; i++) {
        // One byte, the common case, read here; longer ones by varint().
        const byte = this.at < packed.length ? packed[this.at]! : 0x80;
        let z: number;
        if (byte < 0x80) {
          this.at++;
          z = byte;
        } else z = this.varint();
        const change = z < 0x8000_0000 ? (z >>> 1) ^ -(z & 1) : unzigzag(z);
        if (order === DELTAS) step = change;
        else step += change;
        f64[index + i] = value += step;
      }
    }
    if (decimals > 0) {
      const scale = POWERS_OF_TEN[decimals]!;
      for (let i = index; i < index + count; i++) f64[i] = f64[i]! / scale;
    } else if (int64) {
      const words = this.words;
      for (let i = index; i < index + count; i++) {
        const integer = f64[i]!;
        const high = Math.floor(integer / TWO_32);
        words[2 * i] = integer - high * TWO_32;
        words[2 * i + 1] = high;
      }
    }
  }

  private byte(): number {
    if (this.at >= this.packed.length) throw new Error('a packed write batch ends early');
    return this.packed[this.at++]!;
  }

  private varint(): number {
    const packed = this.packed;
    if (this.at < packed.length && packed[this.at]! < 0x80) return packed[this.at++]!;
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (this.at >= packed.length) throw new Error('a packed write batch ends early');
      const byte = packed[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      if (scale > 2 ** 49) throw new Error('a packed write batch has a varint past 2^56');
    }
  }

  private copy(to: number, length: number): void {
    this.room(to, length);
    const packed = this.packed;
    const at = this.at;
    if (at + length > packed.length) throw new Error('a packed write batch ends early');
    const batch = this.batch;
    // Names and kinds are short: a loop costs less than making a subarray to set from.
    if (length <= 32) for (let i = 0; i < length; i++) batch[to + i] = packed[at + i]!;
    else batch.set(packed.subarray(at, at + length), to);
    this.at = at + length;
  }

  /** A u32 at byte `at`, which a string's length prefix leaves unaligned. */
  private u32To(at: number, value: number): void {
    this.room(at, 4);
    if (value > 0xffff_ffff) throw new Error('a packed write batch has a length past 32 bits');
    const batch = this.batch;
    batch[at] = value & 0xff;
    batch[at + 1] = (value >>> 8) & 0xff;
    batch[at + 2] = (value >>> 16) & 0xff;
    batch[at + 3] = value >>> 24;
  }

  private u32At(at: number): number {
    return this.words[at >>> 2]!;
  }

  /** The batch's stated length holds `length` bytes from `at`. */
  private room(at: number, length: number): void {
    if (at + length > this.batch.length) throw new Error('a packed write batch unpacks past its stated length');
  }
}
