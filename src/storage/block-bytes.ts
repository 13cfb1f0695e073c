import { SegmentCorruptError } from './compression.js';
import { writeVarint } from './varint.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A growable little-endian byte buffer for the body of a block. Typed-array sections start
 * at multiples of 8 so the reader can view them in place instead of copying them.
 *
 * The body is kept as parts: `plane` starts a new part with its bytes, and what follows joins
 * that part until the next plane. A block codec compresses each part on its own, so each byte
 * plane of a number run gets its own Huffman code instead of sharing one with unlike bytes.
 */
export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private at = 0;
  private readonly partEnds: number[] = [];

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.at++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, value, true);
    this.at += 4;
  }

  /** A non-negative integer up to 2^53, 7 bits a byte. */
  varint(value: number): void {
    this.reserve(8);
    this.at = writeVarint(this.bytes, this.at, value);
  }

  /** `bytes` as the start of a new part. */
  plane(bytes: Uint8Array): void {
    if (this.at > 0) this.partEnds.push(this.at);
    this.raw(bytes);
  }

  /** The body cut into its parts, in order. */
  parts(): Uint8Array[] {
    const cuts = [0, ...this.partEnds, this.at];
    return cuts.slice(1).map((end, i) => this.bytes.subarray(cuts[i], end));
  }

  string(value: string): void {
    const utf8 = encoder.encode(value);
    this.u32(utf8.byteLength);
    this.raw(utf8);
  }

  /** The bytes of `array`, starting at the next multiple of 8. */
  aligned(array: ArrayBufferView): void {
    this.reserve(7);
    this.at = (this.at + 7) & ~7;
    this.raw(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }

  private raw(source: Uint8Array): void {
    this.reserve(source.byteLength);
    this.bytes.set(source, this.at);
    this.at += source.byteLength;
  }

  private reserve(more: number): void {
    const needed = this.at + more;
    if (needed <= this.bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.byteLength * 2));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/**
 * Reads what ByteWriter wrote. Every read is bounds-checked, so a damaged block is a
 * SegmentCorruptError rather than garbage values or a RangeError from deep inside a loop.
 * `bytes` must start at a byteOffset that is a multiple of 8, for the aligned views.
 */
export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.at, true);
    this.at += 8;
    return value;
  }

  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      if (scale > 2 ** 46) throw new SegmentCorruptError('block has a varint longer than 53 bits');
    }
  }

  /**
   * The next `length` bytes, in place, as a plain Uint8Array even over a Buffer: hot loops
   * then see one kind of array, and Buffer's own subarray is slower to make.
   */
  bytesOf(length: number): Uint8Array {
    this.need(length);
    const start = this.bytes.byteOffset + this.at;
    this.at += length;
    return new Uint8Array(this.bytes.buffer, start, length);
  }

  string(): string {
    const length = this.u32();
    this.need(length);
    const value = decoder.decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return value;
  }

  get buffer(): ArrayBuffer {
    return this.bytes.buffer as ArrayBuffer;
  }

  /**
   * Skip the next `byteLength` bytes, which ByteWriter.aligned placed at a multiple of 8,
   * and return where they start in `buffer`, for a typed view over them.
   */
  alignedSection(byteLength: number): number {
    this.at = (this.at + 7) & ~7;
    this.need(byteLength);
    const start = this.bytes.byteOffset + this.at;
    this.at += byteLength;
    return start;
  }

  expectEnd(): void {
    if (this.at !== this.bytes.byteLength) throw new SegmentCorruptError(`block has ${this.bytes.byteLength - this.at} trailing bytes`);
  }

  private need(count: number): void {
    if (this.at + count > this.bytes.byteLength) throw new SegmentCorruptError('block ends before its content');
  }
}
