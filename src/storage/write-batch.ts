/**
 * The binary write batch: the points of one write request destined for one shard. It is what
 * crosses from the ingest worker to the shard (as a transferred ArrayBuffer) and, unchanged,
 * the payload of the shard's WAL record.
 *
 * Layout (integers are little-endian u32; `align8` pads with zero bytes to the next offset that
 * is a multiple of 8, counted from the start of the batch):
 *
 *   header   'S' 'W' 'B' version | seriesCount | pointCount | dbLength
 *            txn: f64 | participants: u32 | reserved: u32 | db (UTF-8) | align8
 *   series   count | columnCount | nameLength | name (UTF-8) | align8
 *            time: f64[count] | seq: f64[count]
 *            columnCount × column
 *   column   nameLength | stringCount | name (UTF-8) | align8
 *            values: 8 bytes × count | kinds: u8[count]
 *            stringCount × (byteLength | UTF-8 bytes)
 *            or, with the top bit of stringCount set (version 3), a constant column:
 *            every row holds its one string, and no values or kinds are stored
 *            1 × (byteLength | UTF-8 bytes)
 *
 * Every f64/i64 array starts 8-aligned, so `decodeWriteBatch` can return typed-array views
 * into the batch instead of copies. Values are in host byte order; every platform Node runs on
 * is little-endian, which the module checks once at load.
 *
 * `seq` in a fresh batch: a client-supplied sequence number is stored as is (≥ 0); a point
 * that needs a server-assigned number holds `-(ordinal + 1)`, its 0-based position among all
 * points of the request. The shard fills those in with `assignSequenceNumbers` before it
 * appends the batch to its WAL, so the WAL holds final numbers.
 *
 * `txn` and `participants` are 0 in a fresh batch; the shard stamps them before logging (see
 * `stampTransaction`): the request's transaction id and the bit mask of every shard that got a
 * part of it, which recovery uses to keep a request whole or not at all. Version-1 batches
 * (16-byte header, no transaction) are still read: they come from WALs of older builds, as
 * are version-2 batches (no constant columns; otherwise the same).
 *
 * Constant columns are how a line-protocol tag travels: one string for every row of its series
 * entry, where a stored column cost nine bytes a point in the batch, the WAL and the memtable's
 * unsealed batches.
 */
import { constantStringColumn, isConstantColumn, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { sequenceNumberOf } from './sequence-numbers.js';
import { uninitializedBytes } from '../util/uninitialized-bytes.js';
import { Utf8Names } from '../util/utf8-names.js';

export const VERSION = 3;
/** Set in a column's stringCount: a constant column (see the layout above). */
export const CONSTANT_COLUMN = 0x8000_0000;
export const HEADER_SIZE = 32;
const V1_HEADER_SIZE = 16;
const TXN_AT = 16;
const PARTICIPANTS_AT = 24;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('write batches assume a little-endian host');
}

const utf8Encoder = new TextEncoder();

export function align8(offset: number): number {
  return (offset + 7) & ~7;
}

/**
 * Appends series entries to a growing batch. The body parsers, `encodeWriteBatch` and
 * `appendEntryCopies` write through it, so the layout above is produced in one place.
 *
 * The `begin*` methods return positions inside `bytes`/`f64`/`i32`; those views are replaced
 * when the buffer grows, so re-read them after every call.
 */
export class WriteBatchBuilder {
  bytes: Uint8Array;
  f64: Float64Array;
  i32: Int32Array;
  private view: DataView;
  private length = 0;
  private seriesCount = 0;
  private pointCount = 0;

  constructor(initialCapacity = 1 << 16, bytes: Uint8Array = new Uint8Array(align8(Math.max(initialCapacity, 64)))) {
    this.bytes = bytes;
    this.f64 = new Float64Array(this.bytes.buffer);
    this.i32 = new Int32Array(this.bytes.buffer);
    this.view = new DataView(this.bytes.buffer);
  }

  /**
   * A builder for a batch of exactly `size` bytes (8-aligned), known before: its buffer is not
   * zero-filled first, since every byte of a batch is written, and `finishExact` hands it out
   * without a copy.
   */
  static ofExactSize(size: number): WriteBatchBuilder {
    return new WriteBatchBuilder(size, uninitializedBytes(size));
  }

  /** Starts a new, empty batch for `db`, keeping the allocated capacity. */
  reset(db: string): void {
    const name = utf8Encoder.encode(db);
    this.length = 0;
    this.seriesCount = 0;
    this.pointCount = 0;
    this.ensure(align8(HEADER_SIZE + name.length));
    const bytes = this.bytes;
    bytes[0] = 0x53;
    bytes[1] = 0x57;
    bytes[2] = 0x42;
    bytes[3] = VERSION;
    this.view.setUint32(12, name.length, true);
    bytes.fill(0, TXN_AT, HEADER_SIZE);
    bytes.set(name, HEADER_SIZE);
    this.length = this.pad(HEADER_SIZE + name.length);
  }

  /**
   * Starts a series entry named by the UTF-8 bytes `name[start, end)`. Returns the f64 index
   * of `time[0]`; `seq[0]` is at that index + `count`. The caller then fills both arrays and
   * adds exactly `columnCount` columns.
   */
  beginSeries(name: Uint8Array, start: number, end: number, count: number, columnCount: number): number {
    const nameLength = end - start;
    this.ensure(align8(12 + nameLength) + 16 * count);
    const at = this.pad(this.length);
    const view = this.view;
    view.setUint32(at, count, true);
    view.setUint32(at + 4, columnCount, true);
    view.setUint32(at + 8, nameLength, true);
    this.copyBytes(name, start, end, at + 12);
    const timeAt = this.pad(at + 12 + nameLength);
    this.length = timeAt + 16 * count;
    this.seriesCount++;
    this.pointCount += count;
    return timeAt >> 3;
  }

  /**
   * Starts a column named by `name[start, end)`. Returns the f64 index of its first value
   * slot; its kinds start at byte (index + count) × 8. The caller fills both and then appends
   * exactly `stringCount` strings.
   */
  beginColumn(name: Uint8Array, start: number, end: number, count: number, stringCount: number): number {
    const nameLength = end - start;
    this.ensure(align8(8 + nameLength) + 9 * count + 7);
    const at = this.pad(this.length);
    const view = this.view;
    view.setUint32(at, nameLength, true);
    view.setUint32(at + 4, stringCount, true);
    this.copyBytes(name, start, end, at + 8);
    const valuesAt = this.pad(at + 8 + nameLength);
    this.length = valuesAt + 9 * count;
    return valuesAt >> 3;
  }

  /**
   * Adds a column named by `name[start, end)` whose every row holds one string, which the caller
   * then appends (exactly one `appendString`).
   */
  beginConstantColumn(name: Uint8Array, start: number, end: number): void {
    const nameLength = end - start;
    this.ensure(align8(8 + nameLength));
    const at = this.pad(this.length);
    const view = this.view;
    view.setUint32(at, nameLength, true);
    view.setUint32(at + 4, (CONSTANT_COLUMN | 1) >>> 0, true);
    this.copyBytes(name, start, end, at + 8);
    this.length = at + 8 + nameLength;
  }

  /** Starts from a finished batch of this version, to append more series entries after its own. */
  continueFrom(batch: Uint8Array): void {
    if (batch.length % 8 !== 0 || batch[3] !== VERSION) throw new RangeError('only a whole batch of this version can be continued');
    this.length = 0;
    this.ensure(batch.length);
    this.bytes.set(batch, 0);
    this.length = batch.length;
    this.seriesCount = this.view.getUint32(4, true);
    this.pointCount = this.view.getUint32(8, true);
  }

  /**
   * Adds a column of the current series entry as another batch holds it: `src[start, end)`,
   * from a SeriesEntryReader's `columnStart` to its `end` after it read the column. A column's
   * bytes are 8-aligned and hold no offsets, so they are the same in any entry of as many rows.
   */
  appendColumnBytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    const at = this.pad(this.length);
    this.copyBytes(src, start, end, at);
    this.length = at + end - start;
  }

  /**
   * Fills the series entry just begun, whose times start at f64 index `timeAt`, with another
   * entry's bytes from its times to its end, `src[start, end)`: its sequence numbers and columns
   * follow the times there as they do here.
   */
  appendEntryBytes(timeAt: number, src: Uint8Array, start: number, end: number): void {
    const at = timeAt * 8;
    this.ensure(at + end - start - this.length);
    this.copyBytes(src, start, end, at);
    this.length = at + end - start;
  }

  /** Appends one string of the current column, given as UTF-8 bytes `src[start, end)`. */
  appendString(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensure(4 + length);
    const at = this.length;
    this.view.setUint32(at, length, true);
    this.copyBytes(src, start, end, at + 4);
    this.length = at + 4 + length;
  }

  /** Empties the builder without starting a batch: what follows is appended from offset 0. */
  clear(): void {
    this.length = 0;
    this.seriesCount = 0;
    this.pointCount = 0;
  }

  /** A view of the bytes appended since the last `reset` or `clear`, valid until the builder is next used. */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** The finished batch as an exactly sized copy; the builder can then be `reset`. */
  finish(): Uint8Array {
    this.view.setUint32(4, this.seriesCount, true);
    this.view.setUint32(8, this.pointCount, true);
    const length = this.pad(this.length);
    // Not zero-filled first: every byte is overwritten by the copy.
    const batch = uninitializedBytes(length);
    batch.set(this.bytes.subarray(0, length));
    return batch;
  }

  /** The finished batch of a builder made `ofExactSize`: its own buffer, which must be full. */
  finishExact(): Uint8Array {
    const length = this.pad(this.length);
    if (length !== this.bytes.length) throw new RangeError(`a batch of ${length} bytes was built where ${this.bytes.length} were planned`);
    this.view.setUint32(4, this.seriesCount, true);
    this.view.setUint32(8, this.pointCount, true);
    return this.bytes;
  }

  /** Zero-fills up to the next 8-aligned offset and returns it. */
  private pad(offset: number): number {
    const aligned = align8(offset);
    for (let i = offset; i < aligned; i++) this.bytes[i] = 0;
    return aligned;
  }

  private copyBytes(src: Uint8Array, start: number, end: number, at: number): void {
    const dst = this.bytes;
    if (end - start <= 32) {
      for (let i = start; i < end; i++) dst[at++] = src[i]!;
    } else {
      dst.set(viewOf(src, start, end), at);
    }
  }

  /** Makes room for `extra` more bytes from the next 8-aligned offset, where every entry and column starts. */
  private ensure(extra: number): void {
    const needed = align8(this.length) + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const bytes = new Uint8Array(capacity);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.f64 = new Float64Array(bytes.buffer);
    this.i32 = new Int32Array(bytes.buffer);
    this.view = new DataView(bytes.buffer);
  }
}

/**
 * Constant columns as a builder writes them from an 8-aligned offset. Every column starts
 * 8-aligned and holds no offsets, so the bytes are the same wherever they land: a series whose
 * tags repeat from request to request appends them with `appendColumnBytes` in one copy.
 * The bytes are a view of a builder shared by every call: copy them before the next.
 */
export function encodeConstantColumns(columns: readonly { readonly name: Uint8Array; readonly value: Uint8Array }[]): Uint8Array {
  // One builder for every call: a line-protocol body of many new series makes one per series.
  // One grown by a key of thousands of tags is let go rather than kept for the thread's life.
  if (constantColumnsBuilder.bytes.length > KEPT_CONSTANT_COLUMNS_BYTES) constantColumnsBuilder = new WriteBatchBuilder(256);
  const builder = constantColumnsBuilder;
  builder.clear();
  for (const column of columns) {
    builder.beginConstantColumn(column.name, 0, column.name.length);
    builder.appendString(column.value, 0, column.value.length);
  }
  return builder.written();
}

let constantColumnsBuilder = new WriteBatchBuilder(256);
const KEPT_CONSTANT_COLUMNS_BYTES = 64 * 1024;

/** Encodes already-columnar series (each `count` rows) into one batch. */
export function encodeWriteBatch(db: string, series: readonly SeriesColumns[]): Uint8Array {
  const builder = new WriteBatchBuilder();
  builder.reset(db);
  for (const entry of series) {
    const count = entry.count;
    const name = utf8Encoder.encode(entry.series);
    const timeAt = builder.beginSeries(name, 0, name.length, count, entry.columns.length);
    builder.f64.set(entry.time.subarray(0, count), timeAt);
    builder.f64.set(entry.seq.subarray(0, count), timeAt + count);
    for (const column of entry.columns) {
      const columnName = utf8Encoder.encode(column.name);
      if (isConstantColumn(column)) {
        builder.beginConstantColumn(columnName, 0, columnName.length);
        const encoded = utf8Encoder.encode(column.strings[0]!);
        builder.appendString(encoded, 0, encoded.length);
        continue;
      }
      const valuesAt = builder.beginColumn(columnName, 0, columnName.length, count, column.strings.length);
      // Copied as bytes: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
      const slots = new Uint8Array(column.floats.buffer, column.floats.byteOffset, count * 8);
      builder.bytes.set(slots, valuesAt * 8);
      builder.bytes.set(column.kinds.subarray(0, count), (valuesAt + count) * 8);
      for (const text of column.strings) {
        const encoded = utf8Encoder.encode(text);
        builder.appendString(encoded, 0, encoded.length);
      }
    }
  }
  return builder.finish();
}

export interface DecodedWriteBatch {
  readonly db: string;
  readonly pointCount: number;
  readonly series: SeriesColumns[];
}

export interface WriteBatchEntries {
  readonly db: string;
  /** The request's transaction id (0: a version-1 batch, which predates transactions). */
  readonly txn: number;
  /** Bit i set: shard i holds a part of the same request. */
  readonly participants: number;
  readonly pointCount: number;
  readonly views: BatchViews;
  /** Byte offset of each series entry, in batch order (read them with SeriesEntryReader). */
  readonly entries: number[];
}

/**
 * Reads a batch without copying: views over the whole batch (float64, bytes, words) and the
 * offset of each series entry, so writes through them (the shard patching `seq`) land in the
 * batch and no typed array or object is made per series. `bytes.byteOffset` must be a multiple
 * of 8 (true for any Uint8Array that starts its own ArrayBuffer); otherwise, or when the batch
 * is malformed, this throws.
 */
export function readWriteBatch(bytes: Uint8Array): WriteBatchEntries {
  const base = bytes.byteOffset;
  if (base % 8 !== 0) throw new RangeError('write batch must start at an 8-aligned byte offset');
  if (bytes.length < HEADER_SIZE || bytes[0] !== 0x53 || bytes[1] !== 0x57 || bytes[2] !== 0x42) {
    throw new Error('not a write batch');
  }
  const version = bytes[3];
  if (version === undefined || version < 1 || version > VERSION) throw new Error(`unsupported write batch version ${version}`);
  const headerSize = version === 1 ? V1_HEADER_SIZE : HEADER_SIZE;
  const view = new DataView(bytes.buffer, base, bytes.length);
  const f64 = new Float64Array(bytes.buffer, base, bytes.length >>> 3);
  const text = Buffer.from(bytes.buffer, base, bytes.length);

  const seriesCount = view.getUint32(4, true);
  const pointCount = view.getUint32(8, true);
  const dbLength = view.getUint32(12, true);
  const txn = version === 1 ? 0 : view.getFloat64(TXN_AT, true);
  const participants = version === 1 ? 0 : view.getUint32(PARTICIPANTS_AT, true);
  const db = text.toString('utf8', headerSize, headerSize + dbLength);
  let at = align8(headerSize + dbLength);

  const views: BatchViews = { text, f64, words: new Uint32Array(bytes.buffer, base, bytes.length >>> 2) };
  const reader = new SeriesEntryReader();
  const entries: number[] = new Array<number>(seriesCount);
  for (let s = 0; s < seriesCount; s++) {
    entries[s] = at;
    reader.open(views, at);
    reader.skipColumns();
    at = reader.end;
  }
  return { db, txn, participants, pointCount, views, entries };
}

/** Views over one whole write batch, made once per batch and shared by its series' entries. */
export interface BatchViews {
  /** The batch's bytes, as a Buffer so names decode without a copy. */
  readonly text: Buffer;
  readonly f64: Float64Array;
  /** 32-bit words: value slots are copied as word pairs (an int64 may look like a NaN). */
  readonly words: Uint32Array;
}

/**
 * Series and column names of every batch a thread reads: the same few, batch after batch. Two
 * tables, since each answers a name asked for twice in a row from memory at hand, and column
 * lookups alternate with series lookups.
 */
const seriesNames = new Utf8Names();
const columnNames = new Utf8Names();

/**
 * Reads series entries of a batch in place, one reusable object for any number of entries:
 * a memtable keeps only (batch views, entry offset) per span and reads the entry again when it
 * seals, since an object per series per request would live until the seal, long enough to be
 * copied by scavenges and promoted (that was most of a shard's garbage-collector time).
 * After `open`, the entry's header fields are set and `nextColumn` steps through its columns.
 */
export class SeriesEntryReader {
  views!: BatchViews;
  entryAt = 0;
  count = 0;
  columnCount = 0;
  /** f64 index of time[0]; seq[0] is at timeAt + count. */
  timeAt = 0;
  /** Where the entry's series name lies in the batch. */
  nameStart = 0;
  nameEnd = 0;
  /** Set by nextColumn. */
  columnName = '';
  /** A constant column stores no values or kinds: its one string is every row's value. */
  constant = false;
  /** f64 index of the column's first value slot, and byte offset of its first kind (-1 when constant). */
  valuesAt = 0;
  kindsAt = 0;
  stringCount = 0;
  private stringsAt = 0;
  private at = 0;
  /** The place in the entry of the column nextColumn reads next. */
  private columnIndex = 0;
  /**
   * Byte offset of the current column's header. A column's bytes, from here to `end` after it
   * was read, are 8-aligned and hold no offsets, so they can be copied into any entry as they are.
   */
  columnStart = 0;
  /** Where the name of the column skipColumn (or nextColumn) read lies in the batch. */
  columnNameStart = 0;
  columnNameEnd = 0;

  /** Reads the header of the entry at `entryAt`; returns the reader itself. */
  open(views: BatchViews, entryAt: number): this {
    const text = views.text;
    this.views = views;
    this.entryAt = entryAt;
    this.count = u32At(text, entryAt);
    this.columnCount = u32At(text, entryAt + 4);
    this.nameStart = entryAt + 12;
    this.nameEnd = this.nameStart + u32At(text, entryAt + 8);
    this.timeAt = align8(this.nameEnd) >>> 3;
    this.at = 8 * this.timeAt + 16 * this.count;
    this.columnIndex = 0;
    return this;
  }

  seriesName(): string {
    return seriesNames.name(this.views.text, this.nameStart, this.nameEnd);
  }

  /** Reads the next column's header and steps past its values, kinds and strings. */
  nextColumn(): void {
    const text = this.views.text;
    const at = this.at;
    // By its place in the entry: a series' entries name the same columns in the same order.
    this.columnName = columnNames.nameAt(this.columnIndex++, text, at + 8, at + 8 + u32At(text, at));
    this.skipColumn();
  }

  /** Steps past every column of the entry without reading their names (to find where it ends). */
  skipColumns(): void {
    for (let c = 0; c < this.columnCount; c++) this.skipColumn();
  }

  /**
   * Reads the next column's layout (all but its name) and steps past it; `columnStart` and
   * `end` then bound its bytes.
   */
  skipColumn(): void {
    const text = this.views.text;
    let at = this.at;
    this.columnStart = at;
    const nameLength = u32At(text, at);
    const strings = u32At(text, at + 4);
    this.columnNameStart = at + 8;
    this.columnNameEnd = at + 8 + nameLength;
    this.constant = strings >= CONSTANT_COLUMN;
    this.stringCount = this.constant ? 1 : strings;
    if (this.constant) {
      at += 8 + nameLength;
      this.valuesAt = -1;
      this.kindsAt = -1;
    } else {
      at = align8(at + 8 + nameLength);
      this.valuesAt = at >>> 3;
      this.kindsAt = at + 8 * this.count;
      at += 9 * this.count;
    }
    this.stringsAt = at;
    for (let i = 0; i < this.stringCount; i++) at += 4 + u32At(text, at);
    this.at = align8(at);
  }

  /**
   * Where the current column's one string lies (at its length prefix) when every row of the
   * entry holds that string — a line-protocol tag's column — else -1.
   */
  onlyStringAt(): number {
    if (this.constant) return this.stringsAt;
    if (this.stringCount !== 1) return -1;
    const { text, f64 } = this.views;
    for (let i = 0; i < this.count; i++) {
      if (text[this.kindsAt + i] !== ValueKind.String || f64[this.valuesAt + i] !== 0) return -1;
    }
    return this.stringsAt;
  }

  /** Appends the current column's strings to `target`. */
  pushStrings(target: string[]): void {
    const text = this.views.text;
    let at = this.stringsAt;
    for (let i = 0; i < this.stringCount; i++) {
      const length = u32At(text, at);
      target.push(text.toString('utf8', at + 4, at + 4 + length));
      at += 4 + length;
    }
  }

  /** Where the entry ends, once every column was read. */
  get end(): number {
    return this.at;
  }
}

/** The little-endian u32 at byte `at`; a batch that ends before it is malformed. */
function u32At(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new RangeError('write batch ends inside a series entry');
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** A series entry of a read batch, to be appended to a batch under another name. */
export interface EntryCopy {
  readonly from: WriteBatchEntries;
  readonly entryAt: number;
  /** The copy's series name, UTF-8. */
  readonly name: Uint8Array;
  /** The places of the columns the copy keeps, in entry order; undefined keeps every one. */
  readonly columns: readonly number[] | undefined;
}

/**
 * `batch` (a fresh batch for `db` when null) with each copy appended as a series entry of its
 * own: the source entry's times, sequence numbers (placeholders included, so a copy gets its
 * source point's number) and kept columns, copied as bytes. A fan-out continuous query used to
 * decode the request's batches into objects and encode them all again, which cost more than
 * parsing the request. The result is exactly sized, in an ArrayBuffer of its own.
 */
export function appendEntryCopies(db: string, batch: Uint8Array | null, copies: readonly EntryCopy[]): Uint8Array {
  const reader = new SeriesEntryReader();
  // The batch's exact size, so that it is built in place: each entry starts 8-aligned with its
  // header and name, then the times, sequence numbers and kept columns it copies, which end
  // 8-aligned in their source and so here.
  let size = batch === null ? align8(HEADER_SIZE + utf8Encoder.encode(db).length) : batch.length;
  const ends = new Int32Array(copies.length);
  for (let k = 0; k < copies.length; k++) {
    const copy = copies[k]!;
    reader.open(copy.from.views, copy.entryAt);
    size += align8(12 + copy.name.length) + 16 * reader.count;
    const { timeAt, count } = reader;
    if (copy.columns === undefined) {
      reader.skipColumns();
      size += reader.end - (timeAt + 2 * count) * 8;
    } else {
      keptColumns(reader, copy.columns, (start, end) => (size += end - start));
    }
    ends[k] = reader.end;
  }
  const builder = WriteBatchBuilder.ofExactSize(size);
  if (batch === null) builder.reset(db);
  else builder.continueFrom(batch);
  for (let k = 0; k < copies.length; k++) {
    const copy = copies[k]!;
    reader.open(copy.from.views, copy.entryAt);
    const { count } = reader;
    const source = copy.from.views.text;
    if (copy.columns === undefined) {
      // Times, sequence numbers and every column lie in one run of the entry, 8-aligned where
      // it starts, so the run copies as it is.
      const timeAt = builder.beginSeries(copy.name, 0, copy.name.length, count, reader.columnCount);
      builder.appendEntryBytes(timeAt, source, reader.timeAt * 8, ends[k]!);
      continue;
    }
    const timeAt = builder.beginSeries(copy.name, 0, copy.name.length, count, copy.columns.length);
    builder.bytes.set(viewOf(source, reader.timeAt * 8, (reader.timeAt + 2 * count) * 8), timeAt * 8);
    keptColumns(reader, copy.columns, (start, end) => builder.appendColumnBytes(source, start, end));
  }
  return builder.finishExact();
}

/**
 * Steps `reader`, just opened on an entry, past all its columns, handing `keep` the bytes of
 * each one at a place in `places` (ascending); a place the entry lacks is a RangeError.
 */
function keptColumns(reader: SeriesEntryReader, places: readonly number[], keep: (start: number, end: number) => void): void {
  let kept = 0;
  for (let c = 0; c < reader.columnCount; c++) {
    reader.skipColumn();
    if (places[kept] !== c) continue;
    kept++;
    keep(reader.columnStart, reader.end);
  }
  if (kept !== places.length) throw new RangeError('a copied column is not in its entry');
}

/** `bytes[start, end)` as a plain Uint8Array: a Buffer's own `subarray` makes a Buffer, which costs several times more. */
function viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

/** The series names of a batch's entries, in batch order. */
export function seriesNamesOf(batch: WriteBatchEntries): string[] {
  const reader = new SeriesEntryReader();
  return batch.entries.map((entryAt) => {
    reader.open(batch.views, entryAt);
    return reader.seriesName();
  });
}

/** Records which request a batch belongs to and which shards share it (before it is logged). */
export function stampTransaction(bytes: Uint8Array, txn: number, participants: number): void {
  // Version 1 has no room for a transaction.
  const version = bytes[3]!;
  if (version < 2 || version > VERSION) throw new Error(`cannot stamp a version ${version} write batch`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  view.setFloat64(TXN_AT, txn, true);
  view.setUint32(PARTICIPANTS_AT, participants >>> 0, true);
}

/** The same batch with a typed-array view per series and column (tests and tools). */
export function decodeWriteBatch(bytes: Uint8Array): DecodedWriteBatch {
  const { db, pointCount, views, entries } = readWriteBatch(bytes);
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const reader = new SeriesEntryReader();
  return {
    db,
    pointCount,
    series: entries.map((entryAt) => {
      reader.open(views, entryAt);
      const { count, timeAt } = reader;
      const columns: Column[] = [];
      for (let c = 0; c < reader.columnCount; c++) {
        reader.nextColumn();
        const strings: string[] = [];
        reader.pushStrings(strings);
        if (reader.constant) {
          columns.push(constantStringColumn(reader.columnName, strings[0]!, count));
          continue;
        }
        columns.push({
          name: reader.columnName,
          floats: new Float64Array(buffer, base + reader.valuesAt * 8, count),
          ints: new BigInt64Array(buffer, base + reader.valuesAt * 8, count),
          kinds: new Uint8Array(buffer, base + reader.kindsAt, count),
          strings,
        });
      }
      return {
        series: reader.seriesName(),
        count,
        time: new Float64Array(buffer, base + timeAt * 8, count),
        seq: new Float64Array(buffer, base + (timeAt + count) * 8, count),
        columns,
      };
    }),
  };
}

/**
 * Numbers the batch's points that wait for a sequence number from `base` and stamps its
 * transaction, as a shard does to a write before logging it; replay of an encoded write record
 * does the same to the batch it decodes (encoded-write-record.ts).
 */
export function numberAndStamp(bytes: Uint8Array, batch: WriteBatchEntries, reader: SeriesEntryReader, write: { readonly base: number; readonly txn: number; readonly participants: number }): void {
  const { f64 } = batch.views;
  for (const entryAt of batch.entries) {
    const { timeAt, count } = reader.open(batch.views, entryAt);
    assignSequenceNumbers(f64, write.base, timeAt + count, timeAt + 2 * count);
  }
  stampTransaction(bytes, write.txn, write.participants);
}

/**
 * Gives every point still waiting for a sequence number (`-(ordinal + 1)`) the 0.8-style
 * number of ordinal `base + ordinal` (sequence-numbers.ts), where `base` is the request's first counter value.
 * `from`/`to` bound the slots to look at (one entry's numbers inside a whole-batch view).
 */
export function assignSequenceNumbers(seq: Float64Array, base: number, from = 0, to = seq.length): void {
  for (let i = from; i < to; i++) {
    const value = seq[i]!;
    if (value < 0) seq[i] = sequenceNumberOf(base - value - 1);
  }
}
