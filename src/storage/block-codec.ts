/**
 * One block — up to BLOCK_ROWS of one series' rows in time order — as bytes, and back.
 *
 *     [codec 2][raw DEFLATE of the body, each part compressed on its own (deflate-parts.ts)]
 *     body: series, u32 count, u32 columns, time numbers, sequence numbers, then per column:
 *       name, u8 layout: 0 all null | 1 one kind (u8 kind) | 2 mixed (aligned kinds, 1 B/row)
 *       and one section per kind present, over that kind's rows in row order (Null and
 *       Erased rows have no value, so no section):
 *       Float  u8 decimals (NOT_DECIMAL = raw) + numbers (scaled to integers when decimal)
 *       Int    u8 packed (1 = numbers within ±2^52, 0 = aligned raw int64)
 *       Bool   numbers (0/1)
 *       String u32 distinct count, the strings, numbers (indices into them)
 *     (numbers: number-planes.ts, whose byte planes start the body's parts)
 *
 * Codec 1, written before codec 2, is the same body as one DEFLATE stream with numbers packed
 * as number-packing.ts describes; it is still read. Codec 3 is codec 2 with the sequence
 * numbers given as their first alone: the rest step as those of another block of the same
 * segment file do (its header's `seqFrom`), which the reader passes in. Concurrent requests
 * interleave the same way in every series they all write, so in a time-major workload the
 * series' blocks of one time range share their steps (segment-file.ts). On the peer bench's workload codec 2
 * stores a block in 22 % fewer bytes (1.56 instead of 1.99 B/point, bench/disk-bytes.ts) and
 * decodes it about as fast; encoding, which flushes and compactions do in the background,
 * costs two to three times as much (several zlib calls a block instead of one).
 *
 * Why not one Arrow IPC stream per block like segment format 1: apache-arrow's reader costs
 * about 25 µs per stream before any row is touched (flatbuffer schema, field metadata maps,
 * vector loaders), and the packing parameters live in schema metadata so a parsed schema
 * cannot be reused. Measured on the bench workload (bench/block-codec.ts), decoding a
 * 1024-row block takes 48 µs through Arrow and 12 µs in this layout, at the same lossless
 * packing and a few percent fewer bytes. Values are still typed buffers in Arrow's memory
 * layout, so wrapping a block with makeData stays possible.
 */
import { inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter } from './block-bytes.js';
import { slotWords, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { SegmentCorruptError } from './compression.js';
import { deflateParts, type DeflateHistory } from './deflate-parts.js';
import { readNumbers as readNumbersCodec1 } from './number-packing.js';
import { readNumbers, writeNumbers } from './number-planes.js';
import { decimalScale, scaleToIntegers } from './segment-codec.js';

/**
 * The most rows a scan's block holds, and each series' newest block in a segment. Measured
 * (bench/block-codec.ts, bench/series-blocks.ts; CPU time, one core, 10,000-point series):
 * decoding costs about 2.7 µs per block plus 6–11 ns per row, so a full 1024-row block
 * decodes in ~11 µs, and `limit 1` on 1000 series (read, checksum and decode the newest block
 * of each) takes ~16 ms, against 23–25 ms with 2048- or 4096-row blocks; a full scan through
 * segment files still runs at 50–60 M rows/s.
 */
export const BLOCK_ROWS = 1024;

/**
 * The most rows a segment block holds. Larger blocks compress better: the peer bench's data
 * directory re-written with blocks of 1024, 2048, 4096 and 8192 rows took 1.553, 1.469, 1.432
 * and 1.413 B/point, since each block's parts carry their own Huffman tables and headers. What
 * pays for a whole block's rows — `limit 1`, a query of the last hour — reads a series' newest
 * block, which stays at BLOCK_ROWS (segment-file.ts); a time-range edge elsewhere decodes up
 * to 8192 rows, about 60 µs. 4096 until 2026-12-07; 8192 took the peer workload's segment
 * files from 1.354 to 1.341 B/point (bench/disk-bytes.ts), 16,384 would take them to 1.329.
 */
export const SEGMENT_BLOCK_ROWS = 8192;

const CODEC_DEFLATE = 1;
const CODEC_DEFLATE_PARTS = 2;
const CODEC_SHARED_SEQ = 3;
/** How a codec's body packs a run of numbers into `target`. */
type NumberReader = (input: ByteReader, target: Float64Array) => void;
const LAYOUT_NULL = 0;
const LAYOUT_UNIFORM = 1;
const LAYOUT_MIXED = 2;
const NOT_DECIMAL = 255;
const TWO_POW_32 = 4294967296;
const MAX_PACKABLE = 2 ** 52;
/** Far above BLOCK_ROWS; encodeBlock itself takes any count, as tests and benches do. */
const MAX_DECODED_ROWS = 1 << 24;
const VALUE_KINDS = [ValueKind.Float, ValueKind.Int, ValueKind.Bool, ValueKind.String] as const;
type ValueKindOf = (typeof VALUE_KINDS)[number];

/**
 * `history`: the series' blocks encoded before, so that a compression that keeps losing is
 * skipped (deflate-parts.ts). `seqStepsOf`: the sequence numbers of a block whose steps the
 * rows' sequence numbers take one for one (sameSteps); the block then stores only its first
 * (codec 3), and decodeBlock needs those numbers back.
 */
export function encodeBlock(rows: SeriesColumns, history?: DeflateHistory, seqStepsOf?: Float64Array): Uint8Array {
  const n = rows.count;
  const seq = rows.seq.subarray(0, n);
  if (seqStepsOf !== undefined && !sameSteps(seq, seqStepsOf)) throw new RangeError('the rows do not step as the sequence numbers they share');
  const out = new ByteWriter(64 + n * (4 + 4 * rows.columns.length));
  out.string(rows.series);
  out.u32(n);
  out.u32(rows.columns.length);
  writeNumbers(out, rows.time.subarray(0, n));
  writeNumbers(out, seqStepsOf === undefined ? seq : seq.subarray(0, 1));
  for (const column of rows.columns) writeColumn(out, column, n);
  return deflateParts(out.parts(), Uint8Array.of(seqStepsOf === undefined ? CODEC_DEFLATE_PARTS : CODEC_SHARED_SEQ), history);
}

/**
 * Whether `seq` comes back exactly, bit for bit, from its first number and the steps of
 * `other` (as long as it): seq[i] = seq[0] + (other[i] − other[0]) for every i.
 */
export function sameSteps(seq: Float64Array, other: Float64Array): boolean {
  const n = seq.length;
  if (n === 0 || other.length !== n) return false;
  const first = seq[0]!;
  const from = other[0]!;
  for (let i = 0; i < n; i++) {
    const made = first + (other[i]! - from);
    const kept = seq[i]!;
    // −0 equals 0 but is not its bits.
    if (made !== kept || (kept === 0 && 1 / made !== 1 / kept)) return false;
  }
  return true;
}

/**
 * `sharedSeq`: for a codec 3 block, the sequence numbers of the block named in its header's
 * `seqFrom`, whose steps it takes.
 */
export function decodeBlock(bytes: Uint8Array, sharedSeq?: () => Float64Array): SeriesColumns {
  const codec = bytes.byteLength < 1 ? undefined : bytes[0];
  if (codec !== CODEC_DEFLATE && codec !== CODEC_DEFLATE_PARTS && codec !== CODEC_SHARED_SEQ) throw new SegmentCorruptError(`block uses unknown codec ${codec}`);
  const numbers = codec === CODEC_DEFLATE ? readNumbersCodec1 : readNumbers;
  let body: Uint8Array;
  try {
    body = inflateRawSync(bytes.subarray(1));
  } catch (error) {
    throw new SegmentCorruptError(`block body does not inflate: ${String(error)}`);
  }
  // Typed views over the body need it 8-byte aligned.
  if (body.byteOffset % 8 !== 0) body = new Uint8Array(body);
  const input = new ByteReader(body);
  const series = input.string();
  const n = input.u32();
  const columnCount = input.u32();
  // Checked before allocating: a damaged count must not ask for gigabytes.
  if (n > MAX_DECODED_ROWS || columnCount > body.byteLength) throw new SegmentCorruptError(`block claims ${n} rows of ${columnCount} columns`);
  // One allocation for every array of the block: allocations, not loops, dominate small blocks.
  const valuesBytes = 8 * n * (2 + columnCount);
  const arrays = new ArrayBuffer(valuesBytes + n * columnCount);
  const time = new Float64Array(arrays, 0, n);
  const seq = new Float64Array(arrays, 8 * n, n);
  numbers(input, time);
  if (codec === CODEC_SHARED_SEQ) readSharedSeq(input, seq, sharedSeq);
  else numbers(input, seq);
  const columns: Column[] = [];
  for (let c = 0; c < columnCount; c++) {
    const name = input.string();
    const slotsAt = 8 * n * (2 + c);
    const column: Column = {
      name,
      kinds: new Uint8Array(arrays, valuesBytes + n * c, n),
      floats: new Float64Array(arrays, slotsAt, n),
      ints: new BigInt64Array(arrays, slotsAt, n),
      strings: [],
    };
    readColumn(input, column, n, numbers);
    columns.push(column);
  }
  input.expectEnd();
  return { series, count: n, time, seq, columns };
}

/** A codec 3 block's sequence numbers: its first, stepping as the shared block's do (the writer checked each comes back bit for bit: sameSteps). */
function readSharedSeq(input: ByteReader, seq: Float64Array, sharedSeq: (() => Float64Array) | undefined): void {
  const first = new Float64Array(1);
  readNumbers(input, first);
  if (sharedSeq === undefined) throw new SegmentCorruptError('block shares the sequence numbers of another block, and none was given');
  const steps = sharedSeq();
  if (steps.length !== seq.length) throw new SegmentCorruptError(`block of ${seq.length} rows shares the sequence numbers of a block of ${steps.length}`);
  const from = steps[0]!;
  for (let i = 0; i < seq.length; i++) seq[i] = first[0]! + (steps[i]! - from);
}

// ---------------------------------------------------------------------------------------

function writeColumn(out: ByteWriter, column: Column, n: number): void {
  out.string(column.name);
  const kinds = column.kinds.subarray(0, n);
  let present = 0;
  for (let i = 0; i < n; i++) present |= 1 << kinds[i]!;
  if ((present & ~(1 << ValueKind.Null)) === 0) {
    out.u8(LAYOUT_NULL);
    return;
  }
  const uniform = (present & (present - 1)) === 0;
  if (uniform) {
    const kind = kinds[0] as ValueKindOf | typeof ValueKind.Erased;
    out.u8(LAYOUT_UNIFORM);
    out.u8(kind);
    // An erasure has no value to write.
    if (kind !== ValueKind.Erased) writeKind(out, column, kind, column.floats.subarray(0, n), kinds);
    return;
  }
  out.u8(LAYOUT_MIXED);
  out.aligned(kinds);
  for (const kind of VALUE_KINDS) {
    if ((present & (1 << kind)) === 0) continue;
    let count = 0;
    for (let i = 0; i < n; i++) if (kinds[i] === kind) count++;
    const slots = new Float64Array(count);
    // Copied as 32-bit words: an int64 slot may hold a NaN bit pattern, which floats need not keep.
    const from = slotWords(column.floats);
    const to = slotWords(slots);
    for (let i = 0, o = 0; i < n; i++) {
      if (kinds[i] !== kind) continue;
      to[2 * o] = from[2 * i]!;
      to[2 * o++ + 1] = from[2 * i + 1]!;
    }
    writeKind(out, column, kind, slots, new Uint8Array(count).fill(kind));
  }
}

/** `slots` are the 8-byte value slots of the rows of `kind` (all of the same kind). */
function writeKind(out: ByteWriter, column: Column, kind: ValueKindOf, slots: Float64Array, kinds: Uint8Array): void {
  switch (kind) {
    case ValueKind.Float: {
      const decimals = decimalScale(slots, kinds);
      const scaled = decimals === null ? null : scaleToIntegers(slots, kinds, 10 ** decimals);
      out.u8(scaled === null ? NOT_DECIMAL : decimals!);
      writeNumbers(out, scaled ?? slots);
      return;
    }
    case ValueKind.Int: {
      const numbers = intsAsNumbers(slots);
      out.u8(numbers === null ? 0 : 1);
      if (numbers === null) out.aligned(slots);
      else writeNumbers(out, numbers);
      return;
    }
    case ValueKind.Bool:
      writeNumbers(out, slots);
      return;
    case ValueKind.String: {
      const indexOf = new Map<string, number>();
      const indices = new Float64Array(slots.length);
      // Rows in a run of one slot share its index: a line-protocol tag is one slot in every row.
      let runSlot = -1;
      let runIndex = 0;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (slot !== runSlot) {
          const s = column.strings[slot]!;
          let index = indexOf.get(s);
          if (index === undefined) indexOf.set(s, (index = indexOf.size));
          runSlot = slot;
          runIndex = index;
        }
        indices[i] = runIndex;
      }
      out.u32(indexOf.size);
      for (const s of indexOf.keys()) out.string(s);
      writeNumbers(out, indices);
      return;
    }
  }
}

/** The int64 slots as numbers, or null if one is beyond ±2^52 (then they are stored raw). */
function intsAsNumbers(slots: Float64Array): Float64Array | null {
  const words = new Int32Array(slots.buffer, slots.byteOffset, 2 * slots.length);
  const out = new Float64Array(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const v = words[2 * i + 1]! * TWO_POW_32 + (words[2 * i]! >>> 0);
    if (Math.abs(v) > MAX_PACKABLE) return null;
    out[i] = v;
  }
  return out;
}

function readColumn(input: ByteReader, column: Column, n: number, numbers: NumberReader): void {
  const layout = input.u8();
  if (layout === LAYOUT_NULL) return;
  if (layout === LAYOUT_UNIFORM) {
    const kind = input.u8();
    if (kind === ValueKind.Erased) return void column.kinds.fill(kind);
    if (!(VALUE_KINDS as readonly number[]).includes(kind)) throw new SegmentCorruptError(`unknown value kind ${kind}`);
    column.kinds.fill(kind);
    column.uniformKind = kind as ValueKindOf;
    readKind(input, column, kind as ValueKindOf, column.floats, numbers);
    return;
  }
  if (layout !== LAYOUT_MIXED) throw new SegmentCorruptError(`unknown column layout ${layout}`);
  column.kinds.set(new Uint8Array(input.buffer, input.alignedSection(n), n));
  const sizes = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const kind = column.kinds[i]!;
    if (kind > ValueKind.Erased) throw new SegmentCorruptError(`unknown value kind ${kind}`);
    sizes[kind]!++;
  }
  for (const kind of VALUE_KINDS) {
    if (sizes[kind] === 0) continue;
    const slots = new Float64Array(sizes[kind]!);
    readKind(input, column, kind, slots, numbers);
    const from = slotWords(slots);
    const to = slotWords(column.floats);
    for (let i = 0, o = 0; i < n; i++) {
      if (column.kinds[i] !== kind) continue;
      to[2 * i] = from[2 * o]!;
      to[2 * i + 1] = from[2 * o++ + 1]!;
    }
  }
}

/** Fill `slots` (the rows of `kind`, densely) with their 8-byte values. */
function readKind(input: ByteReader, column: Column, kind: ValueKindOf, slots: Float64Array, numbers: NumberReader): void {
  switch (kind) {
    case ValueKind.Float: {
      const decimals = input.u8();
      numbers(input, slots);
      if (decimals !== NOT_DECIMAL) {
        const scale = 10 ** decimals;
        for (let i = 0; i < slots.length; i++) slots[i] = slots[i]! / scale;
      }
      return;
    }
    case ValueKind.Int: {
      const packed = input.u8();
      if (packed === 0) {
        slots.set(new Float64Array(input.buffer, input.alignedSection(8 * slots.length), slots.length));
        return;
      }
      numbers(input, slots);
      numbersToInt64InPlace(slots);
      return;
    }
    case ValueKind.Bool:
      numbers(input, slots);
      return;
    case ValueKind.String: {
      const distinct = input.u32();
      for (let i = 0; i < distinct; i++) column.strings.push(input.string());
      numbers(input, slots);
      for (let i = 0; i < slots.length; i++) {
        if (!(slots[i]! < distinct)) throw new SegmentCorruptError(`string index ${slots[i]} out of range`);
      }
      return;
    }
  }
}

/** Rewrite each slot holding an integer as the int64 bits of that integer. */
function numbersToInt64InPlace(slots: Float64Array): void {
  const words = new Int32Array(slots.buffer, slots.byteOffset, 2 * slots.length);
  for (let i = 0; i < slots.length; i++) {
    const v = slots[i]!;
    words[2 * i] = v >>> 0;
    words[2 * i + 1] = Math.floor(v / TWO_POW_32);
  }
}
