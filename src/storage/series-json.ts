/**
 * JSON framing of series objects around rows that workers already encoded. Compact output
 * has no whitespace; pretty output matches JSON.stringify(value, null, 4) at the given depth.
 */
export interface Framing {
  readonly pretty: boolean;
  /** 1 when objects are top-level (chunked), 2 inside the response array. */
  readonly depth: number;
}

export function rowIndentFor(framing: Framing): string | null {
  return framing.pretty ? ' '.repeat(4 * (framing.depth + 1)) : null;
}

/** Everything of a series object before its rows (which follow, at least one). */
export function seriesObjectHead(name: string, columns: string[], framing: Framing): string {
  if (!framing.pretty) return `{"name":${JSON.stringify(name)},"columns":${JSON.stringify(columns)},"points":[`;
  const pad = ' '.repeat(4 * (framing.depth - 1));
  const inner = `${pad}    `;
  const columnLines = columns.map((c) => `${inner}    ${JSON.stringify(c)}`).join(',\n');
  const columnsText = columns.length === 0 ? '[]' : `[\n${columnLines}\n${inner}]`;
  return `${pad}{\n${inner}"name": ${JSON.stringify(name)},\n${inner}"columns": ${columnsText},\n${inner}"points": [\n`;
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
