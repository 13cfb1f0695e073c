import type { Scalar } from '../engine/values.js';
import type { JsonWriter } from '../engine/json/json-writer.js';

/*
 * Computed rows (aggregates) as JSON, laid out like the stored rows of json-rows.ts: compact,
 * or as JSON.stringify(value, null, 4) with the row's `[` indented by `indent`.
 */

export function writeScalarRow(out: JsonWriter, cells: readonly Scalar[], indent: string | null): void {
  const separator = indent === null ? ',' : `,\n${indent}    `;
  out.ascii(indent === null ? '[' : `${indent}[\n${indent}    `);
  cells.forEach((cell, k) => {
    if (k > 0) out.ascii(separator);
    writeScalar(out, cell);
  });
  out.ascii(indent === null ? ']' : `\n${indent}]`);
}

/** Ints exactly (bigint), non-finite floats as null (0.8). */
export function writeScalar(out: JsonWriter, value: Scalar): void {
  if (typeof value === 'number') out.float(value);
  else if (typeof value === 'bigint') out.ascii(value.toString());
  else if (typeof value === 'string') out.string(value);
  else if (typeof value === 'boolean') out.ascii(value ? 'true' : 'false');
  else out.ascii('null');
}
