import { ValueKind, type Column } from './columns.js';
import type { JsonWriter } from './json-writer.js';

const TWO_TO_32 = 2 ** 32;

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

/**
 * `[time,seq,values…]`, compact or laid out like JSON.stringify(value, null, 4) with the row's
 * `[` indented by `indent`.
 */
export function writeRow(out: JsonWriter, time: number, seq: number, columns: readonly Column[], halves: readonly Int32Array[], row: number, indent: string | null): void {
  if (indent === null) {
    out.byte(91); // '['
    out.integer(time);
    out.byte(44); // ','
    out.integer(seq);
    for (let c = 0; c < columns.length; c++) {
      out.byte(44);
      writeValue(out, columns[c]!, halves[c]!, row);
    }
    out.byte(93); // ']'
    return;
  }
  const separator = `,\n${indent}    `;
  out.ascii(`${indent}[\n${indent}    `);
  out.integer(time);
  out.ascii(separator);
  out.integer(seq);
  for (let c = 0; c < columns.length; c++) {
    out.ascii(separator);
    writeValue(out, columns[c]!, halves[c]!, row);
  }
  out.ascii(`\n${indent}]`);
}
