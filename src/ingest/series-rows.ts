/**
 * Rows of one series gathered point by point, for the inputs whose points arrive one per line
 * (line protocol, Graphite) rather than as the JSON body's column lists. Each field is a
 * column of 8-byte value slots and kind tags in the request's row arena (row-arena.ts), like a
 * write batch column, so committing the series into its shard's batch is a handful of copies
 * per column.
 *
 * A column that appears in a later row reads as null in the rows before it (kind 0), and
 * `constants` hold string columns with one value for every row (line-protocol tags): each is
 * written as a constant column of the batch, its one string and no bytes per row.
 */
import { ValueKind } from '../storage/columns.js';
import { encodeConstantColumns, type WriteBatchBuilder } from '../storage/write-batch.js';
import { rowArena } from './row-arena.js';
import { copyBytes, copyFloats, copyWords } from './short-copy.js';

/**
 * Rows a series has room for in a request before its rows grow (by doubling), when it had fewer
 * in its last one: one, since a body of many new series of a point each would otherwise hold
 * eight times the arena it needs (and touch its fresh pages).
 */
const INITIAL_ROWS = 1;
const NO_STRINGS: readonly Uint8Array[] = [];
const NO_BYTES = new Uint8Array(0);
/** Bytes a series' `entryBytes` has room for past its name and constants. */
const ENTRY_ROOM = 24;

/** One field's values: `capacity` slots and kinds of the row arena from `at`. */
export class ValueColumn {
  at = 0;
  /** String values in the order their rows reference them (a slot holds the index). */
  readonly strings: Uint8Array[] = [];
  /** Some row since the last `SeriesRows.reset` has a value here. */
  used = false;
  /** `strings` is not empty: a reset need not read the array (a cache miss) to know. */
  hasStrings = false;
  /** Where the name lies in its series' `entryBytes`, which a commit reads anyway. */
  nameAt = 0;
  nameEnd = 0;

  constructor(
    /** The column name, UTF-8. */
    readonly name: Uint8Array,
  ) {}

  /** Whether `row` has a value here. */
  has(row: number): boolean {
    return rowArena.kinds[this.at + row] !== ValueKind.Null;
  }

  setFloat(row: number, value: number): void {
    rowArena.f64[this.at + row] = value;
    rowArena.kinds[this.at + row] = ValueKind.Float;
    this.used = true;
  }

  /** An integer known to be within ±2^53, written as its two's complement halves. */
  setSmallInt(row: number, value: number): void {
    const slot = this.at + row;
    rowArena.i32[2 * slot] = value % 4294967296;
    rowArena.i32[2 * slot + 1] = Math.floor(value / 4294967296);
    rowArena.kinds[slot] = ValueKind.Int;
    this.used = true;
  }

  setBigInt(row: number, value: bigint): void {
    rowArena.i64[this.at + row] = value;
    rowArena.kinds[this.at + row] = ValueKind.Int;
    this.used = true;
  }

  setBool(row: number, value: boolean): void {
    rowArena.f64[this.at + row] = value ? 1 : 0;
    rowArena.kinds[this.at + row] = ValueKind.Bool;
    this.used = true;
  }

  setString(row: number, utf8: Uint8Array): void {
    rowArena.f64[this.at + row] = this.strings.push(utf8) - 1;
    this.hasStrings = true;
    rowArena.kinds[this.at + row] = ValueKind.String;
    this.used = true;
  }

  /** Empties the column into `capacity` new slots (see `SeriesRows.reset`). */
  reset(capacity: number): void {
    this.at = rowArena.take(capacity);
    this.releaseStrings();
    this.used = false;
  }

  /** Lets go of the string values: views of a request's body, which must not outlive it. */
  releaseStrings(): void {
    // Checked first: setting an array's length is a runtime call even when nothing changes.
    if (this.hasStrings) {
      this.strings.length = 0;
      this.hasStrings = false;
    }
  }

  /** Moves the first `rows` values to `capacity` new slots. */
  move(rows: number, capacity: number): void {
    const at = rowArena.take(capacity);
    rowArena.f64.copyWithin(at, this.at, this.at + rows);
    rowArena.kinds.copyWithin(at, this.at, this.at + rows);
    this.at = at;
  }
}

export interface ConstantColumn {
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Rows live in the row arena, so they last one request: a series kept for later requests is
 * `reset` when a request first uses it.
 *
 * A series is read once or twice per request, and with a thousand series a body each object
 * (and each typed array) it reads is a cache miss. So what a commit copies besides the rows —
 * the name, the constant columns and the columns' names — lies in one array, `entryBytes`, and
 * the first column, usually the only one, is held in a field of its own.
 */
export class SeriesRows {
  count = 0;
  private capacity = 0;
  /** Arena slots of the rows' times, then of their `-(ordinal + 1)` sequence placeholders. */
  private timeAt = 0;
  /** `columns[0]`, read without the array. */
  private column0: ValueColumn | undefined;
  private columnCount = 0;
  readonly columns: ValueColumn[] = [];
  /**
   * The name in UTF-8; from `constantsAt` (8-aligned) the constant columns as the batch holds
   * them; then the columns' names and anything a subclass appends (`appendEntryBytes`).
   */
  protected entryBytes: Uint8Array;
  /** The bytes of `entryBytes` in use; the rest is room to append into. */
  private entryLength: number;
  private readonly nameLength: number;
  private readonly constantsAt: number;
  private readonly constantsEnd: number;
  private readonly constantCount: number;

  constructor(
    readonly name: string,
    /** `name` in UTF-8. */
    nameBytes: Uint8Array,
    public shard: number,
    constants: readonly ConstantColumn[] = [],
  ) {
    this.nameLength = nameBytes.length;
    this.constantCount = constants.length;
    this.constantsAt = (nameBytes.length + 7) & ~7;
    const encoded = constants.length === 0 ? NO_BYTES : encodeConstantColumns(constants);
    this.constantsEnd = this.constantsAt + encoded.length;
    // With room for what a series usually appends next: its one column's name and field key.
    this.entryBytes = new Uint8Array(this.constantsEnd + ENTRY_ROOM);
    this.entryBytes.set(nameBytes);
    this.entryBytes.set(encoded, this.constantsAt);
    this.entryLength = this.constantsEnd;
    this.reset();
  }

  /**
   * Empties the series and takes new slots for it in the arena: a series kept from an earlier
   * request must be reset before it is used again. It keeps its columns, which commit only once
   * a row uses them again, and room for as many rows as it last had.
   */
  reset(): void {
    const capacity = Math.max(INITIAL_ROWS, this.count);
    this.capacity = capacity;
    this.timeAt = rowArena.take(2 * capacity);
    if (this.columnCount > 0) {
      this.column0!.reset(capacity);
      for (let i = 1; i < this.columnCount; i++) this.columns[i]!.reset(capacity);
    }
    this.count = 0;
  }

  /**
   * Lets go of every column's string values once the request is parsed, committed or not: a
   * series the key table keeps would otherwise keep the request's whole body alive until it is
   * written again.
   */
  releaseStrings(): void {
    if (this.columnCount === 0) return;
    this.column0!.releaseStrings();
    for (let i = 1; i < this.columnCount; i++) this.columns[i]!.releaseStrings();
  }

  /** Starts a row; its values are then set on the columns at the returned index. */
  addRow(timeUs: number, ordinal: number): number {
    const row = this.count;
    if (row === this.capacity) this.grow(row * 2);
    const f64 = rowArena.f64;
    f64[this.timeAt + row] = timeUs;
    f64[this.timeAt + this.capacity + row] = -(ordinal + 1);
    this.count = row + 1;
    return row;
  }

  setTime(row: number, timeUs: number): void {
    rowArena.f64[this.timeAt + row] = timeUs;
  }

  addColumn(name: Uint8Array): ValueColumn {
    const column = new ValueColumn(name);
    column.at = rowArena.take(this.capacity);
    column.nameAt = this.appendEntryBytes(name);
    column.nameEnd = column.nameAt + name.length;
    this.columns.push(column);
    this.column0 ??= column;
    this.columnCount++;
    return column;
  }

  /**
   * Appends `bytes` to `entryBytes`; returns where they start. The array grows by doubling: a
   * line may name thousands of fields, and growing it by each name would copy it as often.
   */
  protected appendEntryBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const at = this.entryLength;
    const length = end - start;
    if (at + length > this.entryBytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.entryBytes.length, at + length));
      grown.set(this.entryBytes.subarray(0, at));
      this.entryBytes = grown;
    }
    copyBytes(bytes, start, this.entryBytes, at, length);
    this.entryLength = at + length;
    return at;
  }

  private grow(capacity: number): void {
    const rows = this.count;
    const timeAt = rowArena.take(2 * capacity);
    const f64 = rowArena.f64;
    f64.copyWithin(timeAt, this.timeAt, this.timeAt + rows);
    f64.copyWithin(timeAt + capacity, this.timeAt + this.capacity, this.timeAt + this.capacity + rows);
    this.timeAt = timeAt;
    for (const column of this.columns) column.move(rows, capacity);
    this.capacity = capacity;
  }

  /** Appends the series entry (its rows, columns, then constants) to `builder`. */
  commit(builder: WriteBatchBuilder): void {
    const rows = this.count;
    const columnCount = this.columnCount;
    let used = 0;
    if (columnCount > 0) {
      if (this.column0!.used) used++;
      for (let i = 1; i < columnCount; i++) if (this.columns[i]!.used) used++;
    }
    const entryBytes = this.entryBytes;
    const timeAt = builder.beginSeries(entryBytes, 0, this.nameLength, rows, used + this.constantCount);
    copyFloats(rowArena.f64, this.timeAt, builder.f64, timeAt, rows);
    copyFloats(rowArena.f64, this.timeAt + this.capacity, builder.f64, timeAt + rows, rows);
    if (columnCount > 0) {
      commitColumn(builder, this.column0!, entryBytes, rows);
      for (let i = 1; i < columnCount; i++) commitColumn(builder, this.columns[i]!, entryBytes, rows);
    }
    if (this.constantCount > 0) builder.appendColumnBytes(entryBytes, this.constantsAt, this.constantsEnd);
  }
}

function commitColumn(builder: WriteBatchBuilder, column: ValueColumn, entryBytes: Uint8Array, rows: number): void {
  if (!column.used) return;
  const strings = column.hasStrings ? column.strings : NO_STRINGS;
  const valuesAt = builder.beginColumn(entryBytes, column.nameAt, column.nameEnd, rows, strings.length);
  copyWords(rowArena.i32, 2 * column.at, builder.i32, 2 * valuesAt, 2 * rows);
  copyBytes(rowArena.kinds, column.at, builder.bytes, (valuesAt + rows) * 8, rows);
  for (const text of strings) builder.appendString(text, 0, text.length);
}
