import { ValueKind, type Column } from './columns.js';

/**
 * JSON text of one value. Ints print exactly from their 64-bit slot; non-finite floats are
 * null as in 0.8; strings use JSON escaping (equivalent to 0.8's output).
 */
export function valueJson(column: Column, row: number): string {
  switch (column.kinds[row]) {
    case ValueKind.Float: {
      const v = column.floats[row]!;
      return Number.isFinite(v) ? String(v) : 'null';
    }
    case ValueKind.Int:
      return column.ints[row]!.toString();
    case ValueKind.Bool:
      return column.floats[row] === 1 ? 'true' : 'false';
    case ValueKind.String:
      return JSON.stringify(column.strings[column.floats[row]!]);
    default:
      return 'null';
  }
}

/** One row laid out like JSON.stringify(value, null, 4), its `[` indented by `indent`. */
export function prettyRowJson(time: number, seq: number, values: string[], indent: string): string {
  const inner = `${indent}    `;
  return `${indent}[\n${inner}${[String(time), String(seq), ...values].join(`,\n${inner}`)}\n${indent}]`;
}
