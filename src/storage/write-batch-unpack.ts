/**
 * Unpacks a write batch that packBatch (write-batch-pack.ts) packed for cluster mode's log: the
 * format is in packed-batch-format.ts.
 */
import { brotliDecompressSync } from 'node:zlib';
import { FORMAT, HEADER_SIZE, CONSTANT_COLUMN, RAW, DELTAS, EVEN, INT64, DECIMALS_SHIFT, MAX_DECIMALS, MIXED_KINDS, TWO_32, POWERS_OF_TEN, TIME_ROLE, SEQ_ROLE, RoleContexts, columnRole, align8 } from './packed-batch-format.js';
import { uninitializedBytes } from '../util/uninitialized-bytes.js';
import { unzigzag } from './zigzag.js';

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
