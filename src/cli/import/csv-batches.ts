import { createReadStream } from 'node:fs';
import { LineSplitter, type Line } from '../lines.js';
import { batchFull, type Batch, type FileChunks } from './batch.js';
import { parseCsvRecord, QuoteState, type CsvField } from './csv-record.js';

export type TimePrecision = 's' | 'ms' | 'u';

export interface CsvLayout {
  readonly columns: readonly string[];
  /** The column naming each row's series, if there is one (`name` or `series`). */
  readonly seriesColumn: number | undefined;
  readonly timeColumn: number | undefined;
  /** Offset just past the header line: where the rows begin. */
  readonly dataStart: number;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const UNITS_PER_MS: Record<TimePrecision, number> = { s: 1 / 1000, ms: 1, u: 1000 };
/** Longest record a CSV row may be: one row is one point, and a request carries many. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * The header line names the columns; `series` (what `sluice export` writes), else `name`, names
 * each row's series — so an exported series with a field called `name` comes back whole.
 */
export async function readCsvLayout(path: string): Promise<CsvLayout> {
  const splitter = new LineSplitter();
  let header: Line | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    header = splitter.push(chunk as Buffer)[0];
    if (header) break;
  }
  header ??= splitter.finish()[0];
  if (!header || header.text.trim() === '') throw new RangeError(`${path} has no header line naming its columns`);
  const columns = parseCsvRecord(header.text).map((f) => f.text.trim());
  const seriesColumn = ['series', 'name'].map((n) => columns.indexOf(n)).find((i) => i !== -1);
  const timeColumn = columns.indexOf('time');
  return { columns, seriesColumn, timeColumn: timeColumn === -1 ? undefined : timeColumn, dataStart: header.end };
}

export interface CsvOptions {
  readonly layout: CsvLayout;
  /** Names the series of every row; else the layout's series column does. */
  readonly series: string | undefined;
  readonly precision: TimePrecision;
  readonly batchPoints: number;
}

/** CSV rows as 0.8 series writes: one series object per series in each request. */
export async function* csvBatches(chunks: FileChunks, start: number, options: CsvOptions): AsyncGenerator<Batch> {
  const { layout } = options;
  if (options.series === undefined && layout.seriesColumn === undefined) {
    throw new RangeError('the CSV has no name or series column: name its series with --series');
  }
  const valueColumns = layout.columns.map((_, i) => i).filter((i) => i !== layout.seriesColumn);
  const columnsJson = JSON.stringify(valueColumns.map((i) => layout.columns[i]));
  const splitter = new LineSplitter(start);
  let bySeries = new Map<string, string[]>();
  let points = 0;
  let end = start;
  let batchFrom = start;
  let pending = '';
  let quotes = new QuoteState();
  /** Where the record being read started, for an error about it. */
  let recordStart = start;
  const take = (): Batch => {
    const objects = [...bySeries].map(([name, rows]) => `{"name":${JSON.stringify(name)},"columns":${columnsJson},"points":[${rows.join(',')}]}`);
    const batch = { body: Buffer.from(`[${objects.join(',')}]`), points, end };
    bySeries = new Map();
    points = 0;
    batchFrom = end;
    return batch;
  };
  const add = (line: Line): boolean => {
    if (pending === '') recordStart = end;
    pending = pending === '' ? line.text : `${pending}\n${line.text}`;
    if (quotes.readLine(line.text)) {
      // A quote left open would otherwise gather the rest of the file into one record in memory.
      if (pending.length > MAX_RECORD_CHARS) throw new RangeError(`the CSV row that starts at byte ${recordStart} runs past ${MAX_RECORD_CHARS} characters inside a quoted field: is a quote left open?`);
      return false;
    }
    quotes = new QuoteState();
    const record = pending;
    pending = '';
    end = line.end;
    if (record.trim() === '') return false;
    const fields = parseCsvRecord(record);
    if (fields.length > layout.columns.length) {
      throw new RangeError(`the CSV row at bytes ${recordStart}-${end} has ${fields.length} fields, and the header names ${layout.columns.length} columns`);
    }
    const name = options.series ?? fields[layout.seriesColumn!]?.text;
    if (!name) throw new RangeError(`a CSV row before byte ${line.end} has no series name`);
    const row = valueColumns.map((i) => jsonValue(fields[i], i === layout.timeColumn, options.precision));
    let rows = bySeries.get(name);
    if (!rows) bySeries.set(name, (rows = []));
    rows.push(`[${row.join(',')}]`);
    return batchFull(++points, options.batchPoints, end - batchFrom);
  };
  for await (const chunk of chunks) {
    for (const line of splitter.push(chunk)) if (add(line)) yield take();
  }
  for (const line of splitter.finish()) if (add(line)) yield take();
  if (pending !== '') throw new RangeError(`the CSV ends inside the quoted field of the row that starts at byte ${recordStart}`);
  if (points > 0) yield take();
}

/**
 * A field as a JSON value: empty is null (no value), numbers and booleans as written (every
 * digit kept), a time that is not a number is read as a date, anything else is a string.
 */
function jsonValue(field: CsvField | undefined, isTime: boolean, precision: TimePrecision): string {
  if (field === undefined || (!field.quoted && field.text === '')) return 'null';
  if (field.quoted) return JSON.stringify(field.text);
  const text = field.text.trim();
  if (JSON_NUMBER.test(text) || text === 'true' || text === 'false') return text;
  if (isTime) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new RangeError(`time ${JSON.stringify(text)} is neither a number nor a date`);
    return String(Math.trunc(ms * UNITS_PER_MS[precision]));
  }
  return JSON.stringify(field.text);
}
