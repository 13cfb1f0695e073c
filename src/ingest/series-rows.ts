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

const INITIAL_ROWS = 8;

export class ValueColumn {
  kinds: Uint8Array;
  slots: Float64Array;
  words: Int32Array;
  ints: BigInt64Array;
  /** String values in the order their rows reference them (a slot holds the index). */
  readonly strings: Uint8Array[] = [];

  constructor(
    /** The column name, UTF-8. */
    readonly name: Uint8Array,
    capacity: number,
  ) {
    this.kinds = new Uint8Array(capacity);
    this.slots = new Float64Array(capacity);
    this.words = new Int32Array(this.slots.buffer);
    this.ints = new BigInt64Array(this.slots.buffer);
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
    this.ints = new BigInt64Array(slots.buffer);
  }

  setFloat(row: number, value: number): void {
    this.slots[row] = value;
    this.kinds[row] = ValueKind.Float;
  }

  /** An integer known to be within ±2^53, written as its two's complement halves. */
  setSmallInt(row: number, value: number): void {
    this.words[2 * row] = value % 4294967296;
    this.words[2 * row + 1] = Math.floor(value / 4294967296);
    this.kinds[row] = ValueKind.Int;
  }

  setBigInt(row: number, value: bigint): void {
    this.ints[row] = value;
    this.kinds[row] = ValueKind.Int;
  }

  setBool(row: number, value: boolean): void {
    this.slots[row] = value ? 1 : 0;
    this.kinds[row] = ValueKind.Bool;
  }

  setString(row: number, utf8: Uint8Array): void {
    this.slots[row] = this.strings.push(utf8) - 1;
    this.kinds[row] = ValueKind.String;
  }
}

export interface ConstantColumn {
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

export class SeriesRows {
  count = 0;
  private capacity = INITIAL_ROWS;
  time = new Float64Array(INITIAL_ROWS);
  /** Per row: the `-(ordinal + 1)` placeholder of a server-assigned sequence number. */
  seq = new Float64Array(INITIAL_ROWS);
  readonly columns: ValueColumn[] = [];

  constructor(
    /** The series name, UTF-8. */
    readonly name: Uint8Array,
    readonly shard: number,
    readonly constants: readonly ConstantColumn[] = [],
  ) {}

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
    const timeAt = builder.beginSeries(this.name, 0, this.name.length, rows, this.columns.length + this.constants.length);
    builder.f64.set(this.time.subarray(0, rows), timeAt);
    builder.f64.set(this.seq.subarray(0, rows), timeAt + rows);
    for (const column of this.columns) {
      const valuesAt = builder.beginColumn(column.name, 0, column.name.length, rows, column.strings.length);
      builder.i32.set(column.words.subarray(0, 2 * rows), 2 * valuesAt);
      builder.bytes.set(column.kinds.subarray(0, rows), (valuesAt + rows) * 8);
      for (const text of column.strings) builder.appendString(text, 0, text.length);
    }
    for (const constant of this.constants) {
      const valuesAt = builder.beginColumn(constant.name, 0, constant.name.length, rows, 1);
      builder.f64.fill(0, valuesAt, valuesAt + rows);
      const kindsAt = (valuesAt + rows) * 8;
      builder.bytes.fill(ValueKind.String, kindsAt, kindsAt + rows);
      builder.appendString(constant.value, 0, constant.value.length);
    }
  }
}
