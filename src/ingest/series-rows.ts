/**
 * Rows of one series gathered point by point, for the inputs whose points arrive one per line
 * (line protocol, Graphite) rather than as the JSON body's column lists. Each field is a
 * column of 8-byte value slots and kind tags, like a write batch column, so committing the
 * series into its shard's batch is a handful of copies per column.
 *
 * A column that appears in a later row reads as null in the rows before it (kind 0), and
 * `constants` hold string columns with one value for every row (line-protocol tags): each is
 * stored once per series entry and every row's slot points at it.
 */
import { ValueKind } from '../storage/columns.js';
import type { WriteBatchBuilder } from '../storage/write-batch.js';
import { copyBytes, copyFloats, copyWords } from './short-copy.js';

const INITIAL_ROWS = 8;
/**
 * Rows a series may keep room for between requests: a parse thread keeps up to 16Ki series
 * (line-series-key.ts), so this bounds what it holds when idle to tens of MiB.
 */
const MAX_KEPT_ROWS = 64;

export class ValueColumn {
  kinds: Uint8Array;
  slots: Float64Array;
  words: Int32Array;
  /** String values in the order their rows reference them (a slot holds the index). */
  readonly strings: Uint8Array[] = [];
  /** Some row since the last `SeriesRows.reset` has a value here. */
  used = false;

  constructor(
    /** The column name, UTF-8. */
    readonly name: Uint8Array,
    capacity: number,
  ) {
    this.kinds = new Uint8Array(capacity);
    this.slots = new Float64Array(capacity);
    this.words = new Int32Array(this.slots.buffer);
  }

  grow(capacity: number): void {
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    const slots = new Float64Array(capacity);
    // Copied as words: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
    new Int32Array(slots.buffer).set(this.words);
    this.kinds = kinds;
    this.slots = slots;
    this.words = new Int32Array(slots.buffer);
  }

  setFloat(row: number, value: number): void {
    this.slots[row] = value;
    this.kinds[row] = ValueKind.Float;
    this.used = true;
  }

  /** An integer known to be within ±2^53, written as its two's complement halves. */
  setSmallInt(row: number, value: number): void {
    this.words[2 * row] = value % 4294967296;
    this.words[2 * row + 1] = Math.floor(value / 4294967296);
    this.kinds[row] = ValueKind.Int;
    this.used = true;
  }

  setBigInt(row: number, value: bigint): void {
    new BigInt64Array(this.slots.buffer, row * 8, 1)[0] = value;
    this.kinds[row] = ValueKind.Int;
    this.used = true;
  }

  setBool(row: number, value: boolean): void {
    this.slots[row] = value ? 1 : 0;
    this.kinds[row] = ValueKind.Bool;
    this.used = true;
  }

  setString(row: number, utf8: Uint8Array): void {
    this.slots[row] = this.strings.push(utf8) - 1;
    this.kinds[row] = ValueKind.String;
    this.used = true;
  }
}

export interface ConstantColumn {
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

export class SeriesRows {
  count = 0;
  private capacity: number;
  time: Float64Array;
  /** Per row: the `-(ordinal + 1)` placeholder of a server-assigned sequence number. */
  seq: Float64Array;
  readonly columns: ValueColumn[] = [];

  constructor(
    readonly name: string,
    /** `name` in UTF-8. */
    readonly nameBytes: Uint8Array,
    public shard: number,
    readonly constants: readonly ConstantColumn[] = [],
    /** Rows to make room for at once: a series that had many rows likely has as many again. */
    expectedRows = 0,
  ) {
    this.capacity = Math.max(INITIAL_ROWS, expectedRows);
    this.time = new Float64Array(this.capacity);
    this.seq = new Float64Array(this.capacity);
  }

  /**
   * Empties the series for another request, keeping its arrays (and its columns, which commit
   * only once a row uses them again). A series that grew large lets its arrays go instead.
   */
  reset(): boolean {
    if (this.capacity > MAX_KEPT_ROWS) return false;
    if (this.count === 0) return true;
    for (const column of this.columns) {
      if (!column.used) continue;
      const kinds = column.kinds;
      for (let i = 0; i < this.count; i++) kinds[i] = ValueKind.Null;
      // Checked first: setting an array's length is a runtime call even when nothing changes.
      if (column.strings.length !== 0) column.strings.length = 0;
      column.used = false;
    }
    this.count = 0;
    return true;
  }

  /** Starts a row; its values are then set on the columns at the returned index. */
  addRow(timeUs: number, ordinal: number): number {
    const row = this.count;
    if (row === this.capacity) this.grow(row * 2);
    this.time[row] = timeUs;
    this.seq[row] = -(ordinal + 1);
    this.count = row + 1;
    return row;
  }

  addColumn(name: Uint8Array): ValueColumn {
    const column = new ValueColumn(name, this.capacity);
    this.columns.push(column);
    return column;
  }

  private grow(capacity: number): void {
    const time = new Float64Array(capacity);
    time.set(this.time);
    const seq = new Float64Array(capacity);
    seq.set(this.seq);
    this.time = time;
    this.seq = seq;
    for (const column of this.columns) column.grow(capacity);
    this.capacity = capacity;
  }

  /** Appends the series entry (its rows, columns, then constants) to `builder`. */
  commit(builder: WriteBatchBuilder): void {
    const rows = this.count;
    let used = 0;
    for (const column of this.columns) if (column.used) used++;
    const timeAt = builder.beginSeries(this.nameBytes, 0, this.nameBytes.length, rows, used + this.constants.length);
    copyFloats(this.time, 0, builder.f64, timeAt, rows);
    copyFloats(this.seq, 0, builder.f64, timeAt + rows, rows);
    for (const column of this.columns) {
      if (!column.used) continue;
      const valuesAt = builder.beginColumn(column.name, 0, column.name.length, rows, column.strings.length);
      copyWords(column.words, 0, builder.i32, 2 * valuesAt, 2 * rows);
      copyBytes(column.kinds, 0, builder.bytes, (valuesAt + rows) * 8, rows);
      for (const text of column.strings) builder.appendString(text, 0, text.length);
    }
    for (const constant of this.constants) {
      const valuesAt = builder.beginColumn(constant.name, 0, constant.name.length, rows, 1);
      const f64 = builder.f64;
      const bytes = builder.bytes;
      const kindsAt = (valuesAt + rows) * 8;
      for (let i = 0; i < rows; i++) {
        f64[valuesAt + i] = 0;
        bytes[kindsAt + i] = ValueKind.String;
      }
      builder.appendString(constant.value, 0, constant.value.length);
    }
  }
}
