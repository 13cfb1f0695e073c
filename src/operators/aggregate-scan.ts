import type { Aggregate, ScanOrder } from '../engine/aggregates/aggregate.js';
import { bucketStart } from '../engine/buckets.js';
import { createAggregate, type AggregateSpec } from '../engine/registry.js';
import { allRows, rowsWithAnyValue, type Selection } from '../engine/selection.js';
import { accumulateBlock, accumulateSummary, emptySeriesPartial, finishSeriesPartial, summaryAnswers, type SeriesPartial } from '../engine/series-partial.js';
import { evaluateOutputs } from '../engine/arithmetic.js';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { SEGMENT_BLOCK_ROWS } from '../storage/block-codec.js';
import type { BlockFilter, FilterBlock, SeriesSnapshot } from '../storage/series-snapshot.js';
import type { AnsweredFromStats } from '../storage/series-blocks.js';
import { RunsWriter, type EncodedRun, type RowShaping } from '../query/aggregate-rows.js';
import type { Condition, Value } from '../query/ast.js';
import { expressionOf } from '../query/arithmetic-plan.js';
import type { SeriesRestrictions } from '../query/plan.js';
import { compileWhere, queryColumns } from './where-filter.js';

/*
 * The shard-thread half of an aggregate select: for each requested series, walk its blocks
 * in time order, keep the rows the where clause and §9.3 let through, and fold them into
 * per-bucket partials. Blocks are dropped as the walk goes, and segment blocks that one
 * bucket covers whole are taken from their header stats unread.
 */

/** What one shard is asked for: plain data, so it crosses threads by structured clone. */
export interface AggregateRequest {
  readonly db: string;
  /** Series owned by the shard, answered by this request. */
  readonly series: readonly string[];
  /**
   * In a query's first request to a shard: all its series of the query, checked before
   * anything is answered, so a missing column fails the whole query with a 400 up front.
   */
  readonly checkFirst?: readonly string[];
  readonly startUs: number;
  readonly endUs: number;
  readonly order: ScanOrder;
  readonly aggregates: readonly AggregateSpec[];
  /** Per aggregate, the value evaluated for every row. */
  readonly arguments: readonly Value[];
  readonly groupBy: readonly string[];
  readonly widthUs: number | null;
  readonly where: Condition | undefined;
  readonly whereColumns: readonly string[];
  readonly referencedColumns: readonly string[];
  readonly requiredColumns: readonly string[];
  readonly shaping: RowShaping;
  readonly restrictions?: SeriesRestrictions;
}

export interface SeriesAggregate {
  readonly name: string;
  /** The series' place in the request's `series`. */
  readonly index: number;
  readonly partial: SeriesPartial;
}

/** A series' answer: its rows as JSON runs of at most one object each. */
export interface EncodedSeries {
  readonly name: string;
  readonly runs: EncodedRun[];
}

/**
 * The runs of several series in one body: for each run, in order, three numbers (see the
 * RUN_* offsets): the series' place in the request's `series`, and the run's start and end in
 * `body`. The event loop knows the names, having asked for them; an object, a list and a view
 * per series, cloned across threads and collected there, were most of what it spent on an
 * aggregate over many series.
 */
export interface EncodedAnswer {
  readonly body: Uint8Array;
  readonly runs: Uint32Array;
}

export const RUN_FIELDS = 3;
export const RUN_SERIES = 0;
export const RUN_START = 1;
export const RUN_END = 2;

/**
 * What a shard answers. A series lives on one shard, so its partial is already whole and is
 * finished, shaped and encoded here: finishing percentiles, distinct values and the like
 * sorts or counts their values, per-point work that must stay off the main thread, and only
 * bytes then cross.
 */
export async function encodedAnswer(request: AggregateRequest, snapshot: (series: string) => SeriesSnapshot, turns: Turns): Promise<EncodedAnswer> {
  const aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
  const writer = new RunsWriter();
  const runs: number[] = [];
  // One series' partial at a time: each is encoded before the next series is read.
  await eachSeriesInTurns(request, aggregates, snapshot, turns, ({ index, partial }) => {
    const spans =
      writer.encodeCells(partial, aggregates, request.order, request.widthUs, request.shaping) ??
      writer.encode(finishSeriesPartial(aggregates, partial), aggregates, request.order, request.widthUs, request.shaping);
    for (const span of spans) runs.push(index, span.start, span.end);
  });
  return { body: writer.finish(), runs: Uint32Array.from(runs) };
}

/** Every requested series' partial with at least one row, in request order, to `each`; folded in `turns`. */
export async function eachSeriesInTurns(
  request: AggregateRequest,
  aggregates: readonly Aggregate<unknown>[],
  snapshot: (series: string) => SeriesSnapshot,
  turns: Turns,
  each: (series: SeriesAggregate) => void,
): Promise<void> {
  for (const step of aggregateSteps(request, aggregates, snapshot, turns)) {
    if (step === TURN_OVER) await turns.next();
    else each(step);
  }
}

/**
 * Where a long computation on a shard's thread lets the thread's other messages in. A shard
 * runs its messages one at a time, so an aggregate over a series of ten million points held
 * every write to its shard for the whole scan (0.5–0.7 s). The scan asks `over` after each
 * block; once the turn has lasted `turnMs`, it stops where it is and awaits `next`: the
 * thread's next turn of its event loop, in which the messages that came meanwhile run.
 */
export class Turns {
  private began = performance.now();

  constructor(private readonly turnMs: number) {}

  over(): boolean {
    return performance.now() - this.began >= this.turnMs;
  }

  /** Resolves in the thread's next turn of its event loop. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      setImmediate(() => {
        this.began = performance.now();
        resolve();
      });
    });
  }
}

/** What aggregateSteps yields when its turn is over (Turns). */
const TURN_OVER = 0;

/** Runs a fold (SeriesReader.foldBlocks) to its end, waiting for the next turn wherever it says its turn is over. */
export async function foldInTurns(folding: Iterator<typeof TURN_OVER>, turns: Turns): Promise<void> {
  while (!folding.next().done) await turns.next();
}

/** The partial of every requested series with at least one row, in request order; TURN_OVER after a block wherever `turns` says the turn is over. */
function* aggregateSteps(
  request: AggregateRequest,
  aggregates: readonly Aggregate<unknown>[],
  snapshot: (series: string) => SeriesSnapshot,
  turns: Turns,
): Generator<SeriesAggregate | typeof TURN_OVER> {
  const reader = new SeriesReader(request, aggregates);
  for (let index = 0; index < request.series.length; index++) {
    const name = request.series[index]!;
    const partial = emptySeriesPartial();
    yield* reader.foldBlocks(snapshot(name), partial, false, turns);
    if (partial.groups.size > 0) yield { name, index, partial };
  }
}

/**
 * Subtracted from the sequence numbers of a merged series whose rows go first on equal
 * times in ascending (time, seq) order. Sequence numbers lie in [0, 2^53), so shifted ones
 * lie in [-2^53, 0): still exact, still in order within the series, and all before the
 * unshifted ones. Partials order rows by (time, seq) alone (only first, last, difference,
 * distinct and the like look at it, never to print it), so this is how they learn the
 * merge's tie rule.
 */
const TIE_SHIFT = 2 ** 53;

/** Folds series' blocks into partials: the where clause, argument readers and stats shortcut are set up once. */
export class SeriesReader {
  private readonly argumentReaders: ArgumentReader[];
  private readonly computedArguments: boolean;
  private readonly filter: BlockFilter | undefined;
  private readonly column: string | undefined;
  private shifted = new Float64Array(0);
  /*
   * Filled anew for each block and read only while it is folded: arrays and maps made per
   * block were most of what a scan allocated besides the partials themselves.
   */
  private readonly referenced: Column[];
  private readonly values: { time: Float64Array; seq: Float64Array; arguments: Column[]; groupBy: Column[] };
  /** The block being folded, and its absent columns (see columnOf). */
  private rows: SeriesColumns | undefined;
  private absent: Map<string, Column> | undefined;
  /** columnOf as one function, made once, for the argument readers. */
  private readonly blockColumn = (name: string): Column => this.columnOf(name);

  /*
   * What the per-series and per-block paths read of the request, kept here: a request arrives
   * by structured clone, and a clone's shape can differ from one query to the next (a query's
   * first request carries `checkFirst`), which made V8 throw away the optimised scan code at the
   * start of every second query.
   */
  private readonly whereColumns: readonly string[];
  private readonly referencedColumns: readonly string[];
  private readonly groupBy: readonly string[];
  private readonly widthUs: number | null;

  constructor(
    request: AggregateRequest,
    private readonly aggregates: readonly Aggregate<unknown>[],
  ) {
    this.whereColumns = request.whereColumns;
    this.referencedColumns = request.referencedColumns;
    this.groupBy = request.groupBy;
    this.widthUs = request.widthUs;
    this.argumentReaders = request.arguments.map(argumentReader);
    this.computedArguments = request.arguments.some((argument) => !isStoredColumn(argument));
    this.filter = request.where ? compileWhere(request.where) : undefined;
    this.column = summarizedColumn(request, aggregates);
    const none = allocateColumn('', 0);
    this.referenced = request.referencedColumns.map(() => none);
    this.values = { time: new Float64Array(0), seq: new Float64Array(0), arguments: request.arguments.map(() => none), groupBy: request.groupBy.map(() => none) };
  }

  /**
   * Folds the series' rows into `partial`. `tiesFirst` puts them before any unshifted series'
   * rows of the same time in ascending (time, seq) order: a merge's tie rule.
   */
  accumulate(series: SeriesSnapshot, partial: SeriesPartial, tiesFirst: boolean): void {
    const folding = this.foldBlocks(series, partial, tiesFirst);
    while (!folding.next().done);
  }

  /** `accumulate`, yielding TURN_OVER after a block wherever `turns` says the turn is over. */
  *foldBlocks(series: SeriesSnapshot, partial: SeriesPartial, tiesFirst: boolean, turns?: Turns): Generator<typeof TURN_OVER> {
    const { aggregates, column } = this;
    // A series lacking a where-clause column has no row the clause can accept (0.8).
    if (this.whereColumns.some((c) => !series.columns.includes(c))) return;
    // Whole segment blocks: a sum over one decoded is the very float its header holds.
    const blocks = series.blocks(column === undefined ? undefined : fromStats(aggregates, partial, column, this.widthUs), SEGMENT_BLOCK_ROWS);
    for (let step = blocks.next(); !step.done; step = blocks.next()) {
      const rows = step.value;
      this.accumulateRows(rows, partial, tiesFirst ? this.shiftedSeq(rows.seq, rows.count) : rows.seq);
      if (turns?.over() === true) yield TURN_OVER;
    }
  }

  /** Folds one block, sorted by (time, `seq`) ascending, into `partial`. */
  accumulateRows(rows: SeriesColumns, partial: SeriesPartial, seq: Float64Array): void {
    const { referencedColumns, groupBy, referenced, values } = this;
    this.rows = rows;
    this.absent?.clear();
    for (let c = 0; c < referenced.length; c++) referenced[c] = this.columnOf(referencedColumns[c]!);
    // The where clause and computed arguments read the block through a FilterBlock; plain
    // stored-column arguments without a where clause (the usual query) need none.
    const block = this.filter || this.computedArguments ? this.filterBlock(rows) : undefined;
    const selection = selectRows(rows, referenced, this.filter, block);
    if (selection.length > 0) {
      values.time = rows.time;
      values.seq = seq;
      for (let a = 0; a < values.arguments.length; a++) values.arguments[a] = this.argumentReaders[a]!(block, this.blockColumn);
      for (let g = 0; g < values.groupBy.length; g++) values.groupBy[g] = this.columnOf(groupBy[g]!);
      accumulateBlock(this.aggregates, partial, values, selection, this.widthUs);
    }
    this.rows = undefined;
  }

  /**
   * Column `name` of the block being folded; one it lacks reads as all null, made once per
   * block however often it is asked for. A block has few columns: looking along them costs
   * less than a map.
   */
  private columnOf(name: string): Column {
    const rows = this.rows!;
    const stored = storedColumn(rows, name);
    if (stored) return stored;
    let found = this.absent?.get(name);
    if (!found) (this.absent ??= new Map()).set(name, (found = allocateColumn(name, rows.count)));
    return found;
  }

  private filterBlock(rows: SeriesColumns): FilterBlock {
    return { count: rows.count, time: rows.time, seq: rows.seq, column: (n) => storedColumn(rows, n) };
  }

  private shiftedSeq(seq: Float64Array, count: number): Float64Array {
    if (this.shifted.length < count) this.shifted = new Float64Array(count);
    for (let i = 0; i < count; i++) this.shifted[i] = seq[i]! - TIE_SHIFT;
    return this.shifted.subarray(0, count);
  }
}

/**
 * The column whose block stats can stand for the rows (DESIGN.md, "Layers of a query"): when
 * every aggregate takes a summary and reads that one plain column, and nothing else decides
 * which rows exist or how they group — no where clause, no group-by column, no other
 * referenced column.
 */
function summarizedColumn(request: AggregateRequest, aggregates: readonly Aggregate<unknown>[]): string | undefined {
  if (request.where !== undefined || request.groupBy.length > 0 || !summaryAnswers(aggregates)) return undefined;
  const [name, ...others] = request.referencedColumns;
  if (name === undefined || others.length > 0) return undefined;
  return request.arguments.every((argument) => argument.kind === 'identifier' && argument.name === name) ? name : undefined;
}

/** Takes a block whose rows all fall in one bucket from its stats of `column`. */
function fromStats(aggregates: readonly Aggregate<unknown>[], partial: SeriesPartial, column: string, widthUs: number | null): AnsweredFromStats {
  return (piece) => {
    const start = widthUs === null ? 0 : bucketStart(piece.minTime, widthUs);
    if (widthUs !== null && bucketStart(piece.maxTime, widthUs) !== start) return false;
    // Stats are kept only for all-numeric columns; a column without any may hold strings.
    const stats = piece.stats?.find((s) => s.name === column);
    if (stats === undefined) return false;
    accumulateSummary(aggregates, partial, start, stats);
    return true;
  };
}

/** Rows with a referenced value (every row when nothing is referenced) that pass the where clause. */
function selectRows(rows: SeriesColumns, referenced: Column[], filter: BlockFilter | undefined, block: FilterBlock | undefined): Selection {
  const present = rowsWithValues(referenced, rows.count);
  if (filter === undefined || block === undefined || present.length === 0) return present;
  const passes = filter(block, present[0]!, present[present.length - 1]! + 1);
  const out = new Uint32Array(present.length);
  let n = 0;
  for (let s = 0; s < present.length; s++) {
    out[n] = present[s]!;
    n += passes[present[s]!]!;
  }
  return out.subarray(0, n);
}

/** 0, 1, 2, …: shared by every block, read-only (consumers gather from a selection, never write it). */
let identity = allRows(SEGMENT_BLOCK_ROWS);

function everyRow(count: number): Selection {
  if (identity.length < count) identity = allRows(count);
  // A full block, the usual one, takes the array itself: a view per block costs more than its rows' loop.
  return count === identity.length ? identity : identity.subarray(0, count);
}

/**
 * The usual block has the first referenced column in every row: its selection is every row,
 * found by one pass over the kinds, without building one row by row.
 */
function rowsWithValues(referenced: Column[], count: number): Selection {
  const first = referenced[0];
  if (first === undefined) return everyRow(count);
  if (first.uniformKind !== undefined && first.uniformKind !== ValueKind.Null) return everyRow(count);
  const kinds = first.kinds;
  let full = true;
  for (let i = 0; i < count && full; i++) full = kinds[i] !== ValueKind.Null;
  return full ? everyRow(count) : rowsWithAnyValue(referenced, everyRow(count));
}

/** `block` is given whenever some argument is not a stored column. */
type ArgumentReader = (block: FilterBlock | undefined, columnOf: (name: string) => Column) => Column;

function isStoredColumn(argument: Value): argument is Value & { kind: 'identifier'; name: string } {
  return argument.kind === 'identifier' && argument.name !== 'time' && argument.name !== 'sequence_number';
}

/** A stored column is read as is; any other argument (arithmetic, literal) is evaluated over the block. */
function argumentReader(argument: Value): ArgumentReader {
  if (isStoredColumn(argument)) {
    const name = argument.name;
    return (_block, columnOf) => columnOf(name);
  }
  const outputs = [{ name: '', expression: expressionOf(argument) }];
  return (block) => evaluateOutputs(outputs, queryColumns(block!))[0]!;
}

function storedColumn(rows: SeriesColumns, name: string): Column | undefined {
  const { columns } = rows;
  for (let c = 0; c < columns.length; c++) if (columns[c]!.name === name) return columns[c];
  return undefined;
}
