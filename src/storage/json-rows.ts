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

/** Layout of rows in the output: compact, or indented like JSON.stringify(value, null, 4). */
export interface RowLayout {
  /** Indent of a row's `[` (null = compact). */
  readonly rowIndent: string | null;
}

export function rowJson(time: number, seq: number | undefined, values: string[], layout: RowLayout): string {
  const fields = seq === undefined ? [String(time), ...values] : [String(time), String(seq), ...values];
  if (layout.rowIndent === null) return `[${fields.join(',')}]`;
  const inner = `${layout.rowIndent}    `;
  return `${layout.rowIndent}[\n${inner}${fields.join(`,\n${inner}`)}\n${layout.rowIndent}]`;
}
