/**
 * Parses Graphite plaintext (`metric.path value [timestamp_seconds]` per line), as InfluxDB
 * 0.8's Graphite input stored it: series `metric.path`, one column `value` (an integer when
 * written as one, else a float). A timestamp of `-1` or none means the server's time.
 *
 * Unlike an HTTP body, the lines come from a stream nobody answers, so a bad line is skipped
 * and counted instead of failing its neighbours.
 */
import { shardOf } from '../storage/router.js';
import { rowArena } from './row-arena.js';
import { commitRows, type RowBatches } from './row-batches.js';
import { SeriesRows, type ValueColumn } from './series-rows.js';
import { END_WRITE_TIME_US, MIN_WRITE_TIME_US } from './write-time-range.js';

export interface GraphiteParseOptions {
  readonly db: string;
  readonly nowUs: number;
  readonly shardCount: number;
}

export interface GraphiteBatches extends RowBatches {
  readonly rejectedLines: number;
  /** Why the first rejected line was refused, with its text. */
  readonly firstRejection?: string;
}

const VALUE_COLUMN = new TextEncoder().encode('value');
const SMALL_INTEGER = /^-?\d{1,15}$/;
/** Integers up to 19 digits are read exactly (int64); longer ones, or beyond int64, as floats. */
const INTEGER = /^-?\d{16,19}$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function parseGraphite(body: Uint8Array, options: GraphiteParseOptions): GraphiteBatches {
  rowArena.clear();
  const series = new Map<string, { rows: SeriesRows; value: ValueColumn }>();
  let rejectedLines = 0;
  let firstRejection: string | undefined;
  let ordinal = 0;
  for (const line of utf8Decoder.decode(body).split('\n')) {
    const fields = line.trim().split(/[ \t]+/);
    if (fields.length === 1 && fields[0] === '') continue;
    const problem = lineProblem(fields);
    if (problem !== undefined) {
      rejectedLines++;
      firstRejection ??= `${problem}: '${line.trim().slice(0, 120)}'`;
      continue;
    }
    const [name, text, stamp] = fields as [string, string, string | undefined];
    let entry = series.get(name);
    if (entry === undefined) {
      const rows = new SeriesRows(name, utf8Encoder.encode(name), shardOf(options.db, name, options.shardCount));
      entry = { rows, value: rows.addColumn(VALUE_COLUMN) };
      series.set(name, entry);
    }
    const seconds = stamp === undefined || stamp === '-1' ? undefined : Number(stamp);
    const row = entry.rows.addRow(seconds === undefined ? options.nowUs : Math.trunc(seconds * 1_000_000) + 0, ordinal++);
    if (SMALL_INTEGER.test(text)) {
      entry.value.setSmallInt(row, Number(text));
      continue;
    }
    const integer = INTEGER.test(text) ? BigInt(text) : undefined;
    if (integer !== undefined && BigInt.asIntN(64, integer) === integer) entry.value.setBigInt(row, integer);
    else entry.value.setFloat(row, Number(text));
  }
  const batches = commitRows(
    options.db,
    options.shardCount,
    Array.from(series.values(), (entry) => entry.rows),
    'all',
  );
  return { ...batches, rejectedLines, ...(firstRejection === undefined ? {} : { firstRejection }) };
}

function lineProblem(fields: readonly string[]): string | undefined {
  if (fields.length < 2 || fields.length > 3) return 'expected "metric value [timestamp]"';
  if (!NUMBER.test(fields[1]!) || !Number.isFinite(Number(fields[1]))) return 'invalid value';
  const stamp = fields[2];
  if (stamp === undefined || stamp === '-1') return undefined;
  const seconds = NUMBER.test(stamp) ? Number(stamp) * 1_000_000 : Number.NaN;
  if (!(seconds >= MIN_WRITE_TIME_US && seconds < END_WRITE_TIME_US)) return 'invalid timestamp';
  return undefined;
}
