/**
 * JSON framing of series objects around rows that workers already encoded. Compact output
 * has no whitespace; pretty output matches JSON.stringify(value, null, 4) at the given depth.
 */
import type { JsonWriter } from './json-writer.js';

export interface Framing {
  readonly pretty: boolean;
  /** 1 when objects are top-level (chunked), 2 inside the response array. */
  readonly depth: number;
}

export function rowIndentFor(framing: Framing): string | null {
  return framing.pretty ? ' '.repeat(4 * (framing.depth + 1)) : null;
}

/** Everything of a series object before its rows (which follow, at least one). */
export function seriesObjectHead(name: string, columns: readonly string[], framing: Framing): string {
  if (!framing.pretty) return `{"name":${JSON.stringify(name)},"columns":${JSON.stringify(columns)},"points":[`;
  const pad = ' '.repeat(4 * (framing.depth - 1));
  const inner = `${pad}    `;
  const columnLines = columns.map((c) => `${inner}    ${JSON.stringify(c)}`).join(',\n');
  const columnsText = columns.length === 0 ? '[]' : `[\n${columnLines}\n${inner}]`;
  return `${pad}{\n${inner}"name": ${JSON.stringify(name)},\n${inner}"columns": ${columnsText},\n${inner}"points": [\n`;
}

/** The last columns list written compactly by `writeSeriesObjectHead`, encoded. */
const utf8 = new TextEncoder();
let lastColumns: readonly string[] = [];
/** Always the encoding of lastColumns: an empty list is `[]`, not nothing. */
let lastColumnsJson = utf8.encode('[]');
const NAME_KEY = utf8.encode('{"name":');
const COLUMNS_KEY = utf8.encode(',"columns":');
const POINTS_KEY = utf8.encode(',"points":[');

/**
 * seriesObjectHead written into `out`. A compact head is written without building its text: a
 * query over many series writes one per series, and they usually share their columns.
 */
export function writeSeriesObjectHead(out: JsonWriter, name: string, columns: readonly string[], framing: Framing): void {
  if (framing.pretty) return out.text(seriesObjectHead(name, columns, framing));
  out.append(NAME_KEY);
  out.plainString(name);
  out.append(COLUMNS_KEY);
  if (!sameStrings(columns, lastColumns)) {
    lastColumns = [...columns];
    lastColumnsJson = utf8.encode(JSON.stringify(columns));
  }
  out.append(lastColumnsJson);
  out.append(POINTS_KEY);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function seriesObjectTail(framing: Framing): string {
  if (!framing.pretty) return ']}';
  const pad = ' '.repeat(4 * (framing.depth - 1));
  return `\n${pad}    ]\n${pad}}`;
}

/** A whole series object from plain values (list results, small computed series). */
export function seriesObjectFromValues(name: string, columns: string[], points: unknown[][], framing: Framing): string {
  const value = { name, columns, points };
  if (!framing.pretty) return JSON.stringify(value);
  const pad = ' '.repeat(4 * (framing.depth - 1));
  return pad + JSON.stringify(value, null, 4).split('\n').join(`\n${pad}`);
}
