/**
 * The in-memory columnar shape shared by write batches, memtables, segments and scans.
 *
 * InfluxDB 0.8 has no schema: one column may hold a float in one point and a string in the
 * next. Each column therefore carries a kind tag per row plus one 8-byte value slot per row,
 * read as a float64 or an int64 depending on the tag, so the common all-float column costs
 * nine bytes a row and ints stay exact to 64 bits.
 */
export const ValueKind = {
  Null: 0,
  Float: 1,
  Int: 2,
  Bool: 3,
  String: 4,
  /**
   * A `null` the client wrote: no value, and it removes the value an older write of the same
   * point gave this column (§4.6). Scans see it as Null once the point's versions are merged.
   */
  Erased: 5,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export interface Column {
  readonly name: string;
  /** One ValueKind per row. */
  readonly kinds: Uint8Array;
  /** Float value, bool as 0/1, or for strings the index into `strings`. Same buffer as `ints`. */
  readonly floats: Float64Array;
  /** Int value for rows of kind Int. A view over the same bytes as `floats`. */
  readonly ints: BigInt64Array;
  /** String values referenced by index from `floats`. */
  readonly strings: string[];
  /**
   * Set only when every row is known to hold this one kind (a decoded block's column stored
   * uniform), so readers can skip looking at `kinds` row by row. Absent means look.
   */
  uniformKind?: ValueKind;
}

/** Rows of one series, all arrays `count` long. Time is integer microseconds since the epoch. */
export interface SeriesColumns {
  readonly series: string;
  readonly count: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: Column[];
}

/** Allocate a column whose float and int views share one buffer. */
export function allocateColumn(name: string, capacity: number): Column {
  const buffer = new ArrayBuffer(capacity * 8);
  return {
    name,
    kinds: new Uint8Array(capacity),
    floats: new Float64Array(buffer),
    ints: new BigInt64Array(buffer),
    strings: [],
  };
}

/**
 * A column's 8-byte value slots as 32-bit word pairs: slots are copied through these, since
 * an int64 slot read as a float may be a NaN pattern that a float copy is allowed to rewrite.
 */
export function slotWords(slots: Float64Array): Uint32Array {
  return new Uint32Array(slots.buffer, slots.byteOffset, 2 * slots.length);
}

/**
 * Memory rows hold once decoded or sealed: time and sequence number, a value slot and a kind a
 * row per column, and each column's string table (UTF-16, with a little per-string overhead),
 * which a column of long strings is mostly made of.
 */
export function rowsBytes(rows: SeriesColumns): number {
  return rows.count * 16 + columnsBytes(rows.count, rows.columns);
}

/** The part of rowsBytes that is the columns' (`count` rows of each). */
export function columnsBytes(count: number, columns: readonly Column[]): number {
  let bytes = 0;
  for (const column of columns) {
    if (!isConstantColumn(column)) bytes += count * (hasSharedKinds(column) ? 8 : 9);
    for (const text of column.strings) bytes += 16 + 2 * text.length;
  }
  return bytes;
}

/*
 * Constant columns: a line-protocol tag is a string column that holds one value in every row
 * of its series, and stored row by row it cost a memtable nine bytes a point (a third of a
 * tagged point's memory). A constant column's kinds and value slots are views over arrays
 * shared by every constant column of the thread — all String, all slot 0 — so its rows cost
 * nothing. Readers see an ordinary column. Nothing may write to these arrays: every writer
 * of column rows writes into columns it allocated itself, never into a memtable chunk's.
 */

/** Every kinds buffer shared by columns, String or Float (older ones live on in older columns). */
const sharedKindBuffers = new WeakSet<ArrayBufferLike>();
/** The thread's shared kinds, by kind: each array holds that kind in every row. */
const sharedKindArrays = new Map<ValueKind, Uint8Array>();
/** Zero value slots shared by every constant column (slot 0: the column's one string). */
let sharedZeroSlots = new ArrayBuffer(0);

/** `count` rows of `kind`, a view over the thread's shared array of that kind (grown when short). */
function sharedKinds(kind: ValueKind, count: number): Uint8Array {
  let kinds = sharedKindArrays.get(kind) ?? new Uint8Array(0);
  if (kinds.length < count) {
    kinds = new Uint8Array(Math.max(count, 2 * kinds.length, 4096)).fill(kind);
    sharedKindArrays.set(kind, kinds);
    sharedKindBuffers.add(kinds.buffer);
  }
  return kinds.subarray(0, count);
}

/** `count` rows that all hold the string `value`, without memory per row. */
export function constantStringColumn(name: string, value: string, count: number): Column {
  if (sharedZeroSlots.byteLength < 8 * count) sharedZeroSlots = new ArrayBuffer(8 * Math.max(count, 2 * (sharedZeroSlots.byteLength >>> 3), 4096));
  return {
    name,
    kinds: sharedKinds(ValueKind.String, count),
    floats: new Float64Array(sharedZeroSlots, 0, count),
    ints: new BigInt64Array(sharedZeroSlots, 0, count),
    strings: [value],
    uniformKind: ValueKind.String,
  };
}

/** Whether `column` is (a view of) one made by constantStringColumn. */
export function isConstantColumn(column: Column): boolean {
  return column.uniformKind === ValueKind.String && sharedKindBuffers.has(column.kinds.buffer);
}

/*
 * Float columns: nearly every memtable column holds a float in every row, and its kinds cost a
 * byte a row that says so row after row (a twenty-fifth of a point's memory). A memtable seal
 * that finds a column all floats gives it a view over one array of Float kinds shared by every
 * such column of the thread, under the same rule as constant columns: nothing writes to it.
 * Such a column is marked `uniformKind` Float, so aggregates skip reading its kinds.
 */

/** A column whose every row holds a float of `floats`, its kinds shared (see above). */
export function uniformFloatColumn(name: string, floats: Float64Array): Column {
  const count = floats.length;
  return {
    name,
    kinds: sharedKinds(ValueKind.Float, count),
    floats,
    ints: new BigInt64Array(floats.buffer, floats.byteOffset, count),
    strings: [],
    uniformKind: ValueKind.Float,
  };
}

/** `column` (of `count` rows) as a uniform float column when every row holds a float, else itself. */
export function sharingFloatKinds(column: Column, count: number): Column {
  if (hasSharedKinds(column) || !onlyFloats(column.kinds, count)) return column;
  return uniformFloatColumn(column.name, column.floats.subarray(0, count));
}

/** Whether the first `count` kinds are all Float. */
export function onlyFloats(kinds: Uint8Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (kinds[i] !== ValueKind.Float) return false;
  return true;
}

/** Whether `column`'s kinds are a view over a shared array (a constant or uniform float column). */
export function hasSharedKinds(column: Column): boolean {
  return sharedKindBuffers.has(column.kinds.buffer);
}

/**
 * Appends to `strings` the strings that the first `count` rows of `source` name, each once, and
 * points those rows, copied to `slots` from `at`, at their places there. A column cut from a
 * larger one shares its whole string list; this carries only what the cut's rows use.
 */
export function copyUsedStrings(source: Column, count: number, strings: string[], slots: Float64Array, at: number): void {
  const copiedTo = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    if (source.kinds[i] !== ValueKind.String) continue;
    const slot = source.floats[i]!;
    let to = copiedTo.get(slot);
    if (to === undefined) {
      to = strings.push(source.strings[slot]!) - 1;
      copiedTo.set(slot, to);
    }
    slots[at + i] = to;
  }
}
