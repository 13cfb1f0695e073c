import { allocateColumn, constantStringColumn, onlyFloats, slotWords, uniformFloatColumn, ValueKind, type Column, type SeriesColumns } from './columns.js';

/**
 * The rows of a memtable chunk of a few rows, in two arrays: a series written a point or two
 * between seals (many series, each written now and then) held a chunk whose objects — the
 * chunk, its packed times and sequence numbers, and per column an object, three typed-array
 * views and a string list — took some 1,200 bytes with one column and 500 more per column,
 * against 25 bytes a row of data. Packed this way a chunk is three or four objects whatever
 * its columns; readers unpack it into ordinary columns when they load it, as they unpack any
 * chunk.
 */
export interface TinyRows {
  /** Times, then sequence numbers, then each column's value slots: `count` numbers each. */
  readonly numbers: Float64Array;
  /** Each column's kinds, `count` bytes each; null when every row of every column is a Float. */
  readonly kinds: Uint8Array | null;
  readonly names: readonly string[];
  /** Each column's string table; null when no column has strings. */
  readonly strings: readonly (readonly string[])[] | null;
}

/** A chunk of at most this many rows is held as TinyRows. */
export const TINY_CHUNK_ROWS = 64;

/**
 * What the objects of a tiny chunk take beside its rows, roughly (V8 on x64): the chunk, the
 * two arrays with their buffers, the names list. Counted so the memtable flushes at
 * `memtable_size` of memory really held when it holds many tiny chunks.
 */
const TINY_OBJECT_BYTES = 450;
const EMPTY_STRINGS: readonly string[] = [];

/** `rows` (sorted, at most TINY_CHUNK_ROWS) in arrays of their own. */
export function packTiny(rows: SeriesColumns): TinyRows {
  const n = rows.count;
  const { columns } = rows;
  const { numbers, kinds } = tinyArrays(n * (2 + columns.length), allFloat(columns, n) ? 0 : n * columns.length);
  numbers.set(rows.time.subarray(0, n), 0);
  numbers.set(rows.seq.subarray(0, n), n);
  const words = slotWords(numbers);
  let anyStrings = false;
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!;
    words.set(slotWords(column.floats.subarray(0, n)), 2 * n * (2 + c));
    if (column.strings.length > 0) anyStrings = true;
  }
  if (kinds !== null) for (let c = 0; c < columns.length; c++) kinds.set(columns[c]!.kinds.subarray(0, n), c * n);
  return {
    numbers,
    kinds,
    names: columns.map((column) => column.name),
    strings: anyStrings ? columns.map((column) => (column.strings.length > 0 ? column.strings : EMPTY_STRINGS)) : null,
  };
}

/** The rows as ordinary columns of their own (`time` and `seq` are views into `numbers`' copy). */
export function unpackTiny(tiny: TinyRows, series: string, n: number): SeriesColumns {
  const numbers = tiny.numbers.slice(0, 2 * n);
  const words = slotWords(tiny.numbers);
  const columns = tiny.names.map((name, c): Column => {
    const slots = words.subarray(2 * n * (2 + c), 2 * n * (3 + c));
    const kinds = tiny.kinds?.subarray(c * n, (c + 1) * n);
    // A column of floats alone shares its kinds, a tag (one string throughout) its slots too, as when packed.
    if (kinds === undefined || onlyFloats(kinds, n)) {
      const floats = new Float64Array(n);
      slotWords(floats).set(slots);
      return uniformFloatColumn(name, floats);
    }
    const strings = tiny.strings?.[c] ?? EMPTY_STRINGS;
    if (strings.length === 1 && kinds.every((kind) => kind === ValueKind.String)) return constantStringColumn(name, strings[0]!, n);
    const column = allocateColumn(name, n);
    slotWords(column.floats).set(slots);
    column.kinds.set(kinds);
    for (const text of strings) column.strings.push(text);
    return column;
  });
  return { series, count: n, time: numbers.subarray(0, n), seq: numbers.subarray(n, 2 * n), columns };
}

/** Memory the tiny chunk holds, objects included. */
export function tinyBytes(tiny: TinyRows): number {
  let bytes = TINY_OBJECT_BYTES + tiny.numbers.byteLength + (tiny.kinds?.byteLength ?? 0) + 8 * tiny.names.length;
  if (tiny.strings !== null) for (const strings of tiny.strings) for (const text of strings) bytes += 16 + 2 * text.length;
  return bytes;
}

/**
 * `tiny` (of `n` rows) with `rows` after it, without unpacking it: when every row of `rows`
 * (sorted) comes after its last by (time, sequence number) and both have the same columns in
 * the same order — a series written a point at a time, seal after seal. Null otherwise.
 */
export function appendTiny(tiny: TinyRows, n: number, rows: SeriesColumns): TinyRows | null {
  const { columns } = rows;
  const m = rows.count;
  if (tiny.names.length !== columns.length) return null;
  for (let c = 0; c < columns.length; c++) if (tiny.names[c] !== columns[c]!.name) return null;
  const lastTime = tiny.numbers[n - 1]!;
  const firstTime = rows.time[0]!;
  if (firstTime < lastTime || (firstTime === lastTime && rows.seq[0]! <= tiny.numbers[2 * n - 1]!)) return null;
  const total = n + m;
  const { numbers, kinds } = tinyArrays(total * (2 + columns.length), tiny.kinds !== null || !allFloat(columns, m) ? total * columns.length : 0);
  const to = slotWords(numbers);
  const from = slotWords(tiny.numbers);
  for (let section = 0; section < 2 + columns.length; section++) {
    to.set(from.subarray(2 * section * n, 2 * (section + 1) * n), 2 * section * total);
    const added = section === 0 ? rows.time : section === 1 ? rows.seq : columns[section - 2]!.floats;
    to.set(slotWords(added.subarray(0, m)), 2 * (section * total + n));
  }
  if (kinds !== null) {
    for (let c = 0; c < columns.length; c++) {
      if (tiny.kinds === null) kinds.fill(ValueKind.Float, c * total, c * total + n);
      else kinds.set(tiny.kinds.subarray(c * n, (c + 1) * n), c * total);
      kinds.set(columns[c]!.kinds.subarray(0, m), c * total + n);
    }
  }
  let strings = tiny.strings;
  if (columns.some((column) => column.strings.length > 0)) {
    strings = columns.map((column, c) => {
      const held = tiny.strings?.[c] ?? EMPTY_STRINGS;
      if (column.strings.length === 0) return held;
      // The added rows' string indices renumbered into one table: a tag repeated seal after seal stays one string.
      const table = [...held];
      const renumbered = column.strings.map((text) => {
        const at = table.indexOf(text);
        return at >= 0 ? at : table.push(text) - 1;
      });
      const slotsAt = (2 + c) * total + n;
      for (let i = 0; i < m; i++) if (kinds![c * total + n + i] === ValueKind.String) numbers[slotsAt + i] = renumbered[numbers[slotsAt + i]!]!;
      return table;
    });
  }
  return { numbers, kinds, names: tiny.names, strings };
}

/** The numbers and kinds (none when `kindBytes` is 0) of a tiny chunk, in one buffer: each buffer is a few hundred bytes of objects. */
function tinyArrays(slots: number, kindBytes: number): { numbers: Float64Array; kinds: Uint8Array | null } {
  const buffer = new ArrayBuffer(8 * slots + kindBytes);
  return { numbers: new Float64Array(buffer, 0, slots), kinds: kindBytes === 0 ? null : new Uint8Array(buffer, 8 * slots, kindBytes) };
}

function allFloat(columns: readonly Column[], n: number): boolean {
  return columns.every((column) => column.uniformKind === ValueKind.Float || onlyFloats(column.kinds, n));
}
