/**
 * Packs a write batch for cluster mode's log: the format, and why, are in packed-batch-format.ts.
 */
import { brotliCompressSync, constants } from 'node:zlib';
import { ValueKind } from './columns.js';
import { FORMAT, HEADER_SIZE, CONSTANT_COLUMN, BATCH_VERSION, RAW, DELTAS, STEPS2, EVEN, INT64, DECIMALS_SHIFT, MAX_DECIMALS, MIXED_KINDS, LIMIT, TWO_32, POWERS_OF_TEN, TIME_ROLE, SEQ_ROLE, RoleContexts, columnRole, align8 } from './packed-batch-format.js';
import { writeVarint } from './varint.js';
import { zigzag } from './zigzag.js';

export { PACKED_BATCH_ENCODING } from './packed-batch-format.js';

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
    if (decimals < 0) return this.raw(index, count);
    const ints = this.ints;
    // Steps of steps when they are smaller in sum: evenly spaced times, server sequence numbers.
    let deltaSum = 0;
    let steps2Sum = 0;
    for (let i = 1; i < count; i++) {
      const step = ints[i]! - ints[i - 1]!;
      if (!(Math.abs(step) <= LIMIT)) return this.raw(index, count);
      deltaSum += Math.abs(step);
      if (i >= 2) {
        const steps2 = step - (ints[i - 1]! - ints[i - 2]!);
        if (!(Math.abs(steps2) <= LIMIT)) return this.raw(index, count);
        steps2Sum += Math.abs(steps2);
      }
    }
    const roles = this.roles;
    const first = ints[0]! - roles.first[role]!;
    const firstStep = count >= 2 ? ints[1]! - ints[0]! - roles.step[role]! : 0;
    if (!(Math.abs(first) <= LIMIT) || !(Math.abs(firstStep) <= LIMIT)) return this.raw(index, count);
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

  /** The run's slots as they are. */
  private raw(index: number, count: number): void {
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
    this.at = writeVarint(this.out, this.at, value);
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
