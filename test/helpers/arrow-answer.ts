/**
 * Reads `format=arrow` answers the way a client library would (apache-arrow's own reader over
 * the bytes the HTTP response carried) and turns them into the JSON answer's shape, so a test
 * can compare the two answers of one query.
 */
import { tableFromIPC, Type, type Table } from 'apache-arrow';
import { parseNumbersAsText } from './exact-json.js';
import { fetchRetryingStale, request, ROOT, type Credentials, type Params, type Target } from './client.js';

export interface ArrowResult {
  readonly status: number;
  readonly contentType: string | null;
  readonly table: Table | undefined;
  readonly text: string;
}

export async function arrowQuery(target: Target, db: string, q: string, params: Params = {}, auth: Credentials = ROOT): Promise<ArrowResult> {
  const url = `${target.baseUrl}/db/${db}/series?${new URLSearchParams({ u: auth.u, p: auth.p, q, format: 'arrow', ...params })}`;
  const response = await fetchRetryingStale(url, { method: 'GET' });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const contentType = response.headers.get('content-type');
  const ok = response.status === 200 && contentType === 'application/vnd.apache.arrow.stream';
  return { status: response.status, contentType, table: ok ? tableFromIPC(bytes) : undefined, text: ok ? '' : new TextDecoder().decode(bytes) };
}

/** A JSON answer with every number as its literal text (exact-json.ts). */
export async function jsonAnswer(target: Target, db: string, q: string, params: Params = {}, auth: Credentials = ROOT): Promise<ExactSeries[]> {
  const result = await request(target, 'GET', `/db/${db}/series`, { params: { q, ...params }, auth });
  if (result.status !== 200) throw new Error(`${result.status} ${result.text}`);
  return parseNumbersAsText(result.text) as ExactSeries[];
}

export interface ExactSeries {
  readonly name: string;
  readonly columns: string[];
  readonly points: unknown[][];
}

/**
 * The Arrow table as JSON series objects with the columns each JSON object names: ints and
 * times as their decimal text, JSON-text columns parsed back, rows of a series in stream order.
 */
export function asJsonSeries(table: Table, like: readonly ExactSeries[]): ExactSeries[] {
  const values = new Map(table.schema.fields.map((field) => [field.name, columnValues(table, field.name)]));
  const series = values.get('series')!;
  return like.map(({ name, columns }) => {
    const points: unknown[][] = [];
    for (let row = 0; row < table.numRows; row++) {
      if (series[row] === name) points.push(columns.map((column) => values.get(column)?.[row] ?? null));
    }
    return { name, columns, points };
  });
}

/** Rows of the table whose series is not in `names`: an Arrow answer must hold no others. */
export function otherSeriesRows(table: Table, names: readonly string[]): number {
  return columnValues(table, 'series').filter((name) => !names.includes(name as string)).length;
}

function columnValues(table: Table, name: string): unknown[] {
  const field = table.schema.fields.find((f) => f.name === name)!;
  const vector = table.getChild(name)!;
  const json = field.metadata.get('sluice.values') === 'json';
  const out: unknown[] = [];
  for (const data of vector.data) {
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) out.push(null);
      else if (field.type.typeId === Type.Timestamp || field.type.typeId === Type.Int) out.push(String((data.values as BigInt64Array)[i]));
      else if (field.type.typeId === Type.Float) out.push(String((data.values as Float64Array)[i]));
      else if (json) out.push(parseNumbersAsText(vector.get(out.length) as string));
      else out.push(vector.get(out.length));
    }
  }
  return out;
}
