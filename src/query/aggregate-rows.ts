import type { Aggregate, ScanOrder } from '../engine/aggregates/aggregate.js';
import { bucketStart } from '../engine/buckets.js';
import { groupCount, shapeRows, type BucketOutputs, type Shape } from '../engine/fill.js';
import { projectRows, type RowProjection } from '../engine/row-projection.js';
import type { SeriesPartial } from '../engine/series-partial.js';
import type { Scalar } from '../engine/values.js';
import { borrowWriter, finishBorrowed } from '../engine/json/json-writer.js';
import { fromMicros, type TimePrecision } from '../time-precision.js';
import { QuerySemanticError } from './errors.js';
import { writeScalar, writeScalarRow } from './scalar-rows.js';

/*
 * A series' finished bucket outputs as response rows (functions.md §1.3–§2, query-language.md
 * §5.1.4–5.1.5): ordered, filled and limited, then JSON-encoded in runs of at most one
 * series object's worth. This runs in the shard that owns the series, so the main thread
 * only frames bytes, as it does for raw selects.
 */

export const POINTS_PER_OBJECT = 1000;

/**
 * Buckets `fill` may emit per series (each group of the series in every one). Filled buckets
 * are not bounded by the data but by the query (`time(1u)` over a year is 3·10¹³ rows), and
 * everything must be bounded (DESIGN.md).
 */
const MAX_FILLED_BUCKETS = 1_000_000;

/** The 400 for a fill past MAX_FILLED_BUCKETS; continuous queries leave the fill out instead. */
export class TooManyFilledBucketsError extends QuerySemanticError {}

/**
 * Throws the 400 for a fill from bucket `first` through bucket `last`, for `groups` groups,
 * that emits too many rows. The planner checks what the query's range allows for one group;
 * the shard checks again with the series' groups (and its data's range when the query gave none).
 */
export function checkFilledBuckets(first: number, last: number, widthUs: number, limit: number, groups = 1): void {
  const buckets = (Math.floor((last - first) / widthUs) + 1) * Math.max(1, groups);
  if (buckets <= MAX_FILLED_BUCKETS || (limit > 0 && limit <= MAX_FILLED_BUCKETS)) return;
  throw new TooManyFilledBucketsError(`fill would emit ${buckets} buckets per series; at most ${MAX_FILLED_BUCKETS} are allowed`);
}

/** What turning outputs into rows needs beyond the query's order and bucket width. */
export interface RowShaping {
  /** Output rows per series; 0 means no limit. */
  readonly limit: number;
  /** Only for `group by time(...)`: `range` when the query set its start (else the data's). */
  readonly fill: { readonly value: Scalar; readonly range?: { readonly start: number; readonly end: number } } | undefined;
  readonly precision: TimePrecision;
  /** Indent of a row when pretty-printing, null for compact JSON. */
  readonly rowIndent: string | null;
  /** Arithmetic between aggregates, applied to the shaped rows (after fill and limit). */
  readonly projection?: RowProjection;
}

/** Comma-joined JSON rows of at most one series object. */
export interface EncodedRun {
  readonly bytes: Uint8Array;
  readonly rows: number;
}

/** A run's place in the writer it was encoded into. */
export interface RunSpan {
  readonly start: number;
  readonly end: number;
  readonly rows: number;
}

/**
 * Runs of many series encoded one after another into one buffer, so a shard's answer crosses
 * to the main thread as one transferred buffer instead of one per series: every transferred
 * buffer costs both threads a backing store and the main thread's collector a finaliser.
 * They are written into the thread's borrowed writer (json-writer.ts) and copied out at their
 * exact size, so a small answer moves a few bytes, not the writer's whole buffer.
 */
export class RunsWriter {
  private readonly out = borrowWriter();

  /** The series' rows as JSON runs, each the rows of one object; `finish` and `runsIn` give their bytes. */
  encode(
    buckets: readonly BucketOutputs[],
    aggregates: readonly Aggregate<unknown>[],
    order: ScanOrder,
    widthUs: number | null,
    shaping: RowShaping,
  ): RunSpan[] {
    if (isPlain(buckets, widthUs, shaping)) return this.encodePlain(buckets, order, shaping);
    const { out } = this;
    const separator = shaping.rowIndent === null ? ',' : ',\n';
    const spans: RunSpan[] = [];
    for (const rows of shapedRowRuns(buckets, aggregates, order, widthUs, shaping)) {
      const start = out.length;
      rows.forEach((cells, n) => {
        if (n > 0) out.ascii(separator);
        cells[0] = fromMicros(cells[0] as number, shaping.precision);
        writeScalarRow(out, cells, shaping.rowIndent);
      });
      spans.push({ start, end: out.length, rows: rows.length });
    }
    return spans;
  }

  /**
   * `encode` for plain buckets (see isPlain): each bucket is one row, written straight from its
   * outputs. The general path builds, spreads and sorts arrays for every row, which was about a
   * fifth of a shard's work for `max(value) … group by time(1h)` over every series.
   */
  private encodePlain(buckets: readonly BucketOutputs[], order: ScanOrder, shaping: RowShaping): RunSpan[] {
    const { out } = this;
    return this.compactRuns(buckets.length, shaping.limit, (n) => {
      const bucket = buckets[order === 'asc' ? n : buckets.length - 1 - n]!;
      writeScalar(out, fromMicros(bucket.start, shaping.precision));
      for (const output of bucket.groups[0]!.outputs) {
        for (const cell of output[0]!) {
          out.byte(COMMA);
          writeScalar(out, cell);
        }
      }
    });
  }

  /**
   * `encode` straight from a series' partial, when it needs no shaping beyond order and limit
   * (as encodePlain), has no group-by columns, and each aggregate finishes to one cell
   * (`finishCell`): a bucket's row is written from the aggregates' states, without the bucket
   * objects and arrays the general path builds per row — most of a shard's time, and its
   * garbage, for `group by time` over many buckets. Undefined when the series needs the general path.
   */
  encodeCells(partial: SeriesPartial, aggregates: readonly Aggregate<unknown>[], order: ScanOrder, widthUs: number | null, shaping: RowShaping): RunSpan[] | undefined {
    if (partial.groups.size !== 1 || !isPlainShaping(widthUs, shaping)) return undefined;
    // Pushed, not mapped: an array from `map` changes elements kind once V8 inlines `map`,
    // and the loop reading `cells` below was deoptimised by it every few queries.
    const cells: ((state: unknown) => Scalar)[] = [];
    for (const aggregate of aggregates) {
      if (aggregate.finishCell === undefined) return undefined;
      cells.push(aggregate.finishCell.bind(aggregate));
    }
    const { group, partials } = partial.groups.values().next().value!;
    if (group.length > 0 || partials.length === 0) return undefined;
    // Every aggregate saw the same rows, so all list the same buckets, ascending.
    const starts = partials[0]!.starts;
    const { out } = this;
    return this.compactRuns(starts.length, shaping.limit, (n) => {
      const b = order === 'asc' ? n : starts.length - 1 - n;
      writeScalar(out, fromMicros(starts[b]!, shaping.precision));
      for (let k = 0; k < cells.length; k++) {
        out.byte(COMMA);
        writeScalar(out, cells[k]!(partials[k]!.states[b]));
      }
    });
  }

  /** Compact rows 0 … min(limit, count) − 1 in runs of one series object each; `writeCells` writes a row's cells. */
  private compactRuns(count: number, limit: number, writeCells: (n: number) => void): RunSpan[] {
    const { out } = this;
    const total = limit > 0 ? Math.min(limit, count) : count;
    const spans: RunSpan[] = [];
    for (let first = 0; first < total; first += POINTS_PER_OBJECT) {
      const start = out.length;
      const end = Math.min(total, first + POINTS_PER_OBJECT);
      for (let n = first; n < end; n++) {
        if (n > first) out.byte(COMMA);
        out.byte(OPEN_BRACKET);
        writeCells(n);
        out.byte(CLOSE_BRACKET);
      }
      spans.push({ start, end: out.length, rows: end - first });
    }
    return spans;
  }

  /** Everything encoded, in a buffer of its own; the writer is given back, so encode nothing more. */
  finish(): Uint8Array {
    return finishBorrowed(this.out);
  }
}

const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/**
 * Buckets whose rows need no shaping beyond order and limit: compact JSON, no fill (it applies
 * only with `group by time`), no projection, no group-by columns, each aggregate one output row
 * per bucket, and buckets strictly ascending by start. shapeRows gives each such bucket one row,
 * `[start, …each aggregate's cells]`, in bucket order.
 */
function isPlain(buckets: readonly BucketOutputs[], widthUs: number | null, shaping: RowShaping): boolean {
  if (!isPlainShaping(widthUs, shaping)) return false;
  let previous = -Infinity;
  for (const bucket of buckets) {
    if (!(bucket.start > previous) || bucket.groups.length !== 1) return false;
    const { group, outputs } = bucket.groups[0]!;
    if (group.length > 0 || outputs.length === 0 || !outputs.every((output) => output.length === 1)) return false;
    previous = bucket.start;
  }
  return true;
}

/** Compact JSON, no fill (it applies only with `group by time`) and no projection. */
function isPlainShaping(widthUs: number | null, shaping: RowShaping): boolean {
  return shaping.rowIndent === null && shaping.projection === undefined && !(shaping.fill !== undefined && widthUs !== null);
}

/** `encode`'s spans as runs: views of the body `finish` gave. */
export function runsIn(body: Uint8Array, spans: readonly RunSpan[]): EncodedRun[] {
  return spans.map(({ start, end, rows }) => ({ bytes: body.subarray(start, end), rows }));
}

/** The series' rows as JSON runs, each the rows of one object. */
export function encodeSeriesRows(
  buckets: readonly BucketOutputs[],
  aggregates: readonly Aggregate<unknown>[],
  order: ScanOrder,
  widthUs: number | null,
  shaping: RowShaping,
): EncodedRun[] {
  const writer = new RunsWriter();
  const spans = writer.encode(buckets, aggregates, order, widthUs, shaping);
  return runsIn(writer.finish(), spans);
}

/**
 * The series' output rows — ordered, filled, limited and projected, `time` (first cell) still
 * in microseconds — in runs of at most one series object's worth.
 */
export function* shapedRowRuns(
  buckets: readonly BucketOutputs[],
  aggregates: readonly Aggregate<unknown>[],
  order: ScanOrder,
  widthUs: number | null,
  shaping: RowShaping,
): Generator<Scalar[][]> {
  const fill = shaping.fill;
  if (fill !== undefined && widthUs !== null && buckets.length > 0) {
    let first = Infinity;
    let last = -Infinity;
    if (fill.range) [first, last] = [bucketStart(fill.range.start, widthUs), bucketStart(fill.range.end - 1, widthUs)];
    else for (const { start } of buckets) [first, last] = [Math.min(first, start), Math.max(last, start)];
    checkFilledBuckets(first, last, widthUs, shaping.limit, groupCount(buckets));
  }
  const shape: Shape =
    fill === undefined || widthUs === null
      ? { order, limit: shaping.limit }
      : { order, limit: shaping.limit, fill: { ...fill, width: widthUs, widths: aggregates.map((a) => a.width) } };
  const rows = shapeRows(buckets, shape);
  let row = rows.next();
  while (!row.done) {
    const batch: Scalar[][] = [];
    for (; batch.length < POINTS_PER_OBJECT && !row.done; row = rows.next()) batch.push(row.value);
    yield shaping.projection ? projectRows(batch, shaping.projection) : batch;
  }
}
