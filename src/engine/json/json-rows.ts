import { ValueKind, type Column } from '../../storage/columns.js';
import { isSafeMagnitude, writeFloat, writeInteger, type JsonWriter } from './json-writer.js';
import { fromMicros, type TimePrecision } from '../../time-precision.js';

const TWO_TO_32 = 2 ** 32;
const TWO_TO_53 = 2 ** 53;
/** Room for a comma and one number: JavaScript's longest text for a double is 25 characters (`-0.0000012345678901234567`). */
const NUMBER_ROOM = 32;

/**
 * One stored value as JSON. Ints print exactly from their 64-bit slot (read as two 32-bit
 * halves, so the common small int needs no BigInt); non-finite floats are null as in 0.8.
 */
export function writeValue(out: JsonWriter, column: Column, halves: Int32Array, row: number): void {
  switch (column.kinds[row]) {
    case ValueKind.Float:
      return out.float(column.floats[row]!);
    case ValueKind.Int: {
      const high = halves[row * 2 + 1]!;
      if (high >= -0x200000 && high < 0x200000) return out.integer(high * TWO_TO_32 + (halves[row * 2]! >>> 0));
      return out.ascii(column.ints[row]!.toString());
    }
    case ValueKind.Bool:
      return out.ascii(column.floats[row] === 1 ? 'true' : 'false');
    case ValueKind.String:
      return out.string(column.strings[column.floats[row]!]!);
    default:
      return out.ascii('null');
  }
}

/** The column's value slots as 32-bit halves (little-endian: low word first). */
export function int32Halves(column: Column): Int32Array {
  return new Int32Array(column.floats.buffer, column.floats.byteOffset, column.floats.length * 2);
}

/** What surrounds and separates the numbers of a row. */
interface RowLayout {
  readonly open: string;
  readonly separator: string;
  readonly close: string;
}

const COMPACT: RowLayout = { open: '[', separator: ',', close: ']' };

/**
 * `[time,seq,values…]`, compact or laid out like JSON.stringify(value, null, 4) with the row's
 * `[` indented by `indent`.
 */
export function writeRow(out: JsonWriter, time: number, seq: number, columns: readonly Column[], halves: readonly Int32Array[], row: number, indent: string | null): void {
  if (indent !== null) return writeRowAs(out, prettyLayout(indent), time, seq, columns, halves, row);
  if (isSafeMagnitude(time) && isSafeMagnitude(seq)) return writeCompactRow(out, time, seq, columns, halves, row);
  return writeRowAs(out, COMPACT, time, seq, columns, halves, row);
}

/** `[time,values…]`: rows computed from several points (a join) have no sequence number. */
export function writeRowWithoutSeq(out: JsonWriter, time: number, columns: readonly Column[], halves: readonly Int32Array[], row: number, indent: string | null): void {
  writeRowAs(out, indent === null ? COMPACT : prettyLayout(indent), time, null, columns, halves, row);
}

/** Like JSON.stringify(value, null, 4) with the row's `[` indented by `indent`. */
function prettyLayout(indent: string): RowLayout {
  return { open: `${indent}[\n${indent}    `, separator: `,\n${indent}    `, close: `\n${indent}]` };
}

function writeRowAs(out: JsonWriter, layout: RowLayout, time: number, seq: number | null, columns: readonly Column[], halves: readonly Int32Array[], row: number): void {
  out.ascii(layout.open);
  out.integer(time);
  if (seq !== null) {
    out.ascii(layout.separator);
    out.integer(seq);
  }
  for (let c = 0; c < columns.length; c++) {
    out.ascii(layout.separator);
    writeValue(out, columns[c]!, halves[c]!, row);
  }
  out.ascii(layout.close);
}

const NULL_BYTES = [110, 117, 108, 108];
const TRUE_BYTES = [116, 114, 117, 101];
const FALSE_BYTES = [102, 97, 108, 115, 101];

/**
 * The export hot path: room for the row's numbers is reserved once, then everything is written
 * through a local buffer and position. Strings and ints beyond 2^53 take the general path;
 * time and seq must be below 2^53 in magnitude.
 */
function writeCompactRow(out: JsonWriter, time: number, seq: number, columns: readonly Column[], halves: readonly Int32Array[], row: number): void {
  out.reserve(2 + (columns.length + 2) * NUMBER_ROOM);
  let buffer = out.raw();
  let view = out.rawView();
  let at = out.length;
  buffer[at++] = 91; // '['
  at = writeInteger(view, at, time);
  buffer[at++] = 44; // ','
  at = writeInteger(view, at, seq);
  for (let c = 0; c < columns.length; c++) {
    buffer[at++] = 44;
    const column = columns[c]!;
    const kind = column.kinds[row];
    if (kind === ValueKind.Float) {
      const value = column.floats[row]!;
      const end = Number.isFinite(value) ? writeFloat(view, at, value) : -1;
      at = end >= 0 ? end : writeFloatText(buffer, at, value);
      continue;
    } else if (kind === ValueKind.Null) {
      for (const b of NULL_BYTES) buffer[at++] = b;
      continue;
    } else if (kind === ValueKind.Bool) {
      for (const b of column.floats[row] === 1 ? TRUE_BYTES : FALSE_BYTES) buffer[at++] = b;
      continue;
    }
    out.length = at;
    writeValue(out, column, halves[c]!, row);
    out.reserve(1 + (columns.length - c) * NUMBER_ROOM);
    buffer = out.raw();
    view = out.rawView();
    at = out.length;
  }
  buffer[at++] = 93; // ']'
  out.length = at;
}

/** Rows one `writeFloatRows` call writes at most, so its one reservation stays small. */
export const FLOAT_ROWS_AT_ONCE = 1024;

/**
 * The export hot path for a run of rows whose selected columns hold a float in every row (a
 * block's `uniformKind`) and whose times are below 2^53 µs in magnitude: `count` compact rows
 * `[time,seq,values…]` from row `from`, stepping by `step`, each after a comma but the first
 * when `leadingComma` is false. Room for all of them is reserved once, and nothing per row
 * asks which kind a value is or whether the writer has room. Returns the rows written: fewer
 * than `count` only at a sequence number of 2^53 or more, which storage never holds, but
 * which the general row path then prints (`writeRow`).
 */
export function writeFloatRows(
  out: JsonWriter,
  time: Float64Array,
  seq: Float64Array,
  precision: TimePrecision,
  columns: readonly Float64Array[],
  from: number,
  step: number,
  count: number,
  leadingComma: boolean,
): number {
  const width = columns.length;
  out.reserve(count * (3 + (width + 2) * NUMBER_ROOM));
  const buffer = out.raw();
  const view = out.rawView();
  let at = out.length;
  let row = from;
  let written = 0;
  for (; written < count; written++, row += step) {
    const sequence = seq[row]!;
    // Compared here rather than through isSafeMagnitude: that one more call in this loop cost the
    // run path 8-12 % in bench/json-rows (V8 then inlined less of the digit writing).
    if (!(sequence < TWO_TO_53 && sequence > -TWO_TO_53)) break;
    if (written > 0 || leadingComma) buffer[at++] = 44; // ','
    buffer[at++] = 91; // '['
    at = writeInteger(view, at, fromMicros(time[row]!, precision));
    buffer[at++] = 44;
    at = writeInteger(view, at, sequence);
    for (let c = 0; c < width; c++) {
      buffer[at++] = 44;
      const value = columns[c]![row]!;
      const end = Number.isFinite(value) ? writeFloat(view, at, value) : -1;
      at = end >= 0 ? end : writeFloatText(buffer, at, value);
    }
    buffer[at++] = 93; // ']'
  }
  out.length = at;
  return written;
}

/**
 * A float `writeFloat` declined, at `at`, into room reserved for it (NUMBER_ROOM): JavaScript's
 * own text, or null when it is not finite (as 0.8 wrote them). Apart from the callers' common
 * path, which calls writeFloat itself.
 */
function writeFloatText(buffer: Uint8Array, at: number, value: number): number {
  const text = Number.isFinite(value) ? String(value) : 'null';
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}
