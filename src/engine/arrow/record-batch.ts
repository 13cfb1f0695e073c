import { ValueKind, type Column } from '../../storage/columns.js';
import { int32Halves, writeValue } from '../json/json-rows.js';
import { JsonWriter } from '../json/json-writer.js';
import { fromMicros, MICROS_PER_UNIT, type TimePrecision } from '../../time-precision.js';
import { CONTINUATION, padded, recordBatchMetadata } from './batch-metadata.js';
import type { ArrowColumnType } from './column-types.js';

/**
 * The columns of an Arrow answer after `series`, `time` and (unless a join) `sequence_number`.
 * Every batch of one answer is built from the same layout, which the stream's schema declares.
 */
export interface ArrowLayout {
  readonly precision: TimePrecision;
  readonly withSeq: boolean;
  readonly columns: readonly { readonly name: string; readonly type: ArrowColumnType }[];
}

/**
 * Fixed-width bytes a record batch of a raw select holds at most: far above a batch of the
 * usual rows, but a series of thousands of columns (a line-protocol line may carry that many
 * fields) gets batches of fewer rows rather than gigabytes of value buffers.
 */
const BATCH_BYTES = 8 << 20;

/** Fixed-width bytes of one row of `layout`: series index, time, sequence number, each column's value and validity. */
export function rowBytes(layout: ArrowLayout): number {
  return 4 + 8 + (layout.withSeq ? 8 : 0) + layout.columns.reduce((bytes, c) => bytes + 1 + (c.type === 'float64' || c.type === 'int64' ? 8 : 1), 0);
}

/** Rows of a record batch of `layout`: `maxRows`, or as many as BATCH_BYTES holds (at least one) when they are wide. */
export function batchRows(layout: ArrowLayout, maxRows: number): number {
  return Math.max(1, Math.min(maxRows, Math.floor(BATCH_BYTES / rowBytes(layout))));
}

const TWO_TO_32 = 4294967296;
const TWO_TO_53 = 2 ** 53;

/** One output value column being filled: its validity bits and its values. */
interface ValueBuffer {
  readonly type: ArrowColumnType;
  readonly validity: Uint8Array;
  nulls: number;
  /** float64: the values; int64: two words a row; bool: bits. */
  readonly fixed: Float64Array | Int32Array | Uint8Array | undefined;
  /** utf8 and text: row r's bytes are text[offsets[r], offsets[r + 1]). */
  readonly offsets: Int32Array | undefined;
  readonly text: JsonWriter | undefined;
}

/**
 * Gathers picked rows of column blocks into one Arrow record batch and encodes it as an IPC
 * stream message (metadata + body, 8-byte aligned), in the thread that read the rows. Values are
 * copied from the blocks' typed slots column by column, never through JavaScript values, so ints
 * keep their 64 bits and a float its exact bits.
 */
export class RecordBatchBuilder {
  rows = 0;
  private readonly series: Int32Array;
  private readonly time: Int32Array;
  private readonly seq: Int32Array;
  private readonly values: ValueBuffer[];

  constructor(
    private readonly layout: ArrowLayout,
    readonly capacity: number,
  ) {
    this.series = new Int32Array(capacity);
    this.time = new Int32Array(capacity * 2);
    this.seq = new Int32Array(layout.withSeq ? capacity * 2 : 0);
    this.values = layout.columns.map(({ type }) => valueBuffer(type, capacity));
  }

  /**
   * Empties the builder for the next batch of the same layout. `finish` copies what it encodes,
   * so a cursor reuses one builder's arrays page after page instead of leaving them as garbage.
   */
  reset(): void {
    for (const value of this.values) {
      value.validity.fill(0, 0, bitBytes(this.rows));
      if (value.type === 'bool') (value.fixed as Uint8Array).fill(0, 0, bitBytes(this.rows));
      if (value.text) value.text.length = 0;
      value.nulls = 0;
    }
    this.rows = 0;
  }

  /**
   * Appends rows `picks[0, count)` of one block: `columns` lines up with the layout's columns
   * (undefined: the series has no such column, so nulls). Times are stored microseconds.
   */
  append(seriesIndex: number, time: Float64Array, seq: Float64Array | undefined, columns: readonly (Column | undefined)[], picks: Int32Array, count: number): void {
    const at = this.rows;
    this.series.fill(seriesIndex, at, at + count);
    putTimes(this.time, at, time, picks, count, this.layout.precision);
    if (this.layout.withSeq && seq) putInt64s(this.seq, at, seq, picks, count);
    for (let c = 0; c < this.values.length; c++) {
      const column = columns[c];
      const target = this.values[c]!;
      if (column === undefined) appendNulls(target, at, count);
      else appendValues(target, column, picks, count, at);
    }
    this.rows += count;
  }

  /**
   * The batch as one IPC message, or nothing when empty: written into `slot` when it fits (a
   * buffer shared with the thread that sends it, reused page after page), else in a buffer of
   * its own (transferable).
   */
  finish(slot?: SharedArrayBuffer): Uint8Array {
    const n = this.rows;
    if (n === 0) return new Uint8Array(0);
    // Each field's row count and null count, in schema order.
    const nodes = [n, 0, n, 0];
    const parts: Uint8Array[] = [new Uint8Array(0), bytesOf(this.series, n * 4), new Uint8Array(0), bytesOf(this.time, n * 8)];
    if (this.layout.withSeq) {
      nodes.push(n, 0);
      parts.push(new Uint8Array(0), bytesOf(this.seq, n * 8));
    }
    for (const value of this.values) {
      nodes.push(n, value.nulls);
      parts.push(value.nulls > 0 ? value.validity.subarray(0, bitBytes(n)) : new Uint8Array(0));
      parts.push(...valueParts(value, n));
    }
    // Each body buffer's offset and length.
    const regions: number[] = [];
    let bodyLength = 0;
    for (const part of parts) {
      regions.push(bodyLength, part.byteLength);
      bodyLength += padded(part.byteLength);
    }
    const metadata = recordBatchMetadata(n, nodes, regions, bodyLength);
    const metadataLength = padded(8 + metadata.byteLength) - 8;
    const size = 8 + metadataLength + bodyLength;
    const message = slot !== undefined && size <= slot.byteLength ? new Uint8Array(slot, 0, size) : new Uint8Array(size);
    // A reused slot holds the last batch: padding is zeroed as a fresh buffer's would be.
    message.fill(0, 8 + metadata.byteLength, 8 + metadataLength);
    const head = new DataView(message.buffer, message.byteOffset, size);
    head.setUint32(0, CONTINUATION, true);
    head.setInt32(4, metadataLength, true);
    message.set(metadata, 8);
    let at = 8 + metadataLength;
    for (const part of parts) {
      message.set(part, at);
      message.fill(0, at + part.byteLength, at + padded(part.byteLength));
      at += padded(part.byteLength);
    }
    return message;
  }
}

function valueBuffer(type: ArrowColumnType, capacity: number): ValueBuffer {
  const validity = new Uint8Array(bitBytes(capacity));
  switch (type) {
    case 'float64':
      return { type, validity, nulls: 0, fixed: new Float64Array(capacity), offsets: undefined, text: undefined };
    case 'int64':
      return { type, validity, nulls: 0, fixed: new Int32Array(capacity * 2), offsets: undefined, text: undefined };
    case 'bool':
      return { type, validity, nulls: 0, fixed: new Uint8Array(bitBytes(capacity)), offsets: undefined, text: undefined };
    case 'utf8':
    case 'text':
      return { type, validity, nulls: 0, fixed: undefined, offsets: new Int32Array(capacity + 1), text: new JsonWriter(capacity * 8) };
  }
}

function valueParts(value: ValueBuffer, n: number): Uint8Array[] {
  switch (value.type) {
    case 'float64':
    case 'int64':
      return [bytesOf(value.fixed!, n * 8)];
    case 'bool':
      return [bytesOf(value.fixed!, bitBytes(n))];
    case 'utf8':
    case 'text':
      return [bytesOf(value.offsets!, (n + 1) * 4), value.text!.bytes()];
  }
}

function appendNulls(target: ValueBuffer, at: number, count: number): void {
  target.nulls += count;
  if (target.offsets) target.offsets.fill(target.text!.length, at + 1, at + count + 1);
}

/** Rows `picks[0, count)` of `column` into rows at… of the target, by the target's type. */
function appendValues(target: ValueBuffer, column: Column, picks: Int32Array, count: number, at: number): void {
  const { kinds, floats } = column;
  const { validity } = target;
  let nulls = 0;
  switch (target.type) {
    case 'float64': {
      const out = target.fixed as Float64Array;
      if (column.uniformKind === ValueKind.Float) {
        // The export's common case: a column of floats only, copied without looking at kinds.
        for (let k = 0; k < count; k++) out[at + k] = floats[picks[k]!]!;
        setBits(validity, at, at + count);
        break;
      }
      const words = int32Halves(column);
      for (let k = 0; k < count; k++) {
        const i = picks[k]!;
        const kind = kinds[i];
        const r = at + k;
        const value = floats[i]!;
        // A computed Infinity or NaN (arithmetic) is null, as the JSON answer prints it.
        if (kind === ValueKind.Float && value - value === 0) out[r] = value;
        else if (kind === ValueKind.Int) out[r] = words[2 * i + 1]! * TWO_TO_32 + (words[2 * i]! >>> 0);
        else {
          nulls++;
          continue;
        }
        validity[r >> 3]! |= 1 << (r & 7);
      }
      break;
    }
    case 'int64': {
      const out = target.fixed as Int32Array;
      const words = int32Halves(column);
      for (let k = 0; k < count; k++) {
        const i = picks[k]!;
        const r = at + k;
        if (kinds[i] !== ValueKind.Int) {
          nulls++;
          continue;
        }
        out[2 * r] = words[2 * i]!;
        out[2 * r + 1] = words[2 * i + 1]!;
        validity[r >> 3]! |= 1 << (r & 7);
      }
      break;
    }
    case 'bool': {
      const out = target.fixed as Uint8Array;
      for (let k = 0; k < count; k++) {
        const i = picks[k]!;
        const r = at + k;
        if (kinds[i] !== ValueKind.Bool) {
          nulls++;
          continue;
        }
        if (floats[i] === 1) out[r >> 3]! |= 1 << (r & 7);
        validity[r >> 3]! |= 1 << (r & 7);
      }
      break;
    }
    case 'utf8':
    case 'text': {
      const offsets = target.offsets!;
      const text = target.text!;
      const halves = target.type === 'text' ? int32Halves(column) : undefined;
      for (let k = 0; k < count; k++) {
        const i = picks[k]!;
        const r = at + k;
        const kind = kinds[i];
        if (kind === ValueKind.Null || kind === ValueKind.Erased || (kind === ValueKind.Float && !Number.isFinite(floats[i]!))) nulls++;
        else {
          if (halves) writeValue(text, column, halves, i);
          else text.text(column.strings[floats[i]!]!);
          validity[r >> 3]! |= 1 << (r & 7);
        }
        offsets[r + 1] = text.length;
      }
      break;
    }
  }
  target.nulls += nulls;
}

/** Integral doubles `values[picks[k]]` as int64 words from row `at`, exactly (any magnitude below 2^63). */
function putInt64s(words: Int32Array, at: number, values: Float64Array, picks: Int32Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const value = values[picks[k]!]!;
    const r = 2 * (at + k);
    words[r] = value >>> 0;
    words[r + 1] = Math.floor(value / TWO_TO_32);
  }
}

/** Stored µs times in the client's unit as int64 words, as the JSON answer prints them (fromMicros). */
function putTimes(words: Int32Array, at: number, time: Float64Array, picks: Int32Array, count: number, precision: TimePrecision): void {
  const unit = MICROS_PER_UNIT[precision];
  for (let k = 0; k < count; k++) {
    const us = time[picks[k]!]!;
    // Below 2^53 µs the quotient truncates exactly (see fromMicros); beyond, fromMicros is exact.
    const value = us > -TWO_TO_53 && us < TWO_TO_53 ? Math.trunc(us / unit) : fromMicros(us, precision);
    const r = 2 * (at + k);
    words[r] = value >>> 0;
    words[r + 1] = Math.floor(value / TWO_TO_32);
  }
}

/** Sets bits [from, to) of a validity bitmap, whole bytes at a time where it can. */
function setBits(bits: Uint8Array, from: number, to: number): void {
  let i = from;
  for (; i < to && (i & 7) !== 0; i++) bits[i >> 3]! |= 1 << (i & 7);
  const wholeEnd = to & ~7;
  if (i < wholeEnd) {
    bits.fill(0xff, i >> 3, wholeEnd >> 3);
    i = wholeEnd;
  }
  for (; i < to; i++) bits[i >> 3]! |= 1 << (i & 7);
}

function bytesOf(view: ArrayBufferView, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, length);
}

function bitBytes(rows: number): number {
  return (rows + 7) >> 3;
}
