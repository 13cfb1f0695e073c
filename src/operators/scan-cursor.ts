import { evaluateOutputs, type OutputColumn } from '../engine/arithmetic.js';
import type { ArrowColumnType } from '../engine/arrow/column-types.js';
import { batchRows, RecordBatchBuilder, type ArrowLayout } from '../engine/arrow/record-batch.js';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { FLOAT_ROWS_AT_ONCE, int32Halves, writeFloatRows, writeRow } from '../engine/json/json-rows.js';
import { deflatePiece, type PieceEncoding } from '../util/deflate-piece.js';
import { borrowWriter, giveBackWriter, isSafeMagnitude, JsonWriter } from '../engine/json/json-writer.js';
import { kindsOf, type KindSet } from '../storage/kind-set.js';
import { lowerBound } from '../storage/row-slice.js';
import type { Piece } from '../storage/series-blocks.js';
import { seriesObjectTail, writeSeriesObjectHead, type Framing } from '../engine/json/series-json.js';
import type { BlockFilter, SeriesSnapshot } from '../storage/series-snapshot.js';
import { fromMicros, type TimePrecision } from '../time-precision.js';
import type { Condition } from '../query/ast.js';
import type { SeriesRestrictions } from '../query/plan.js';
import { compileWhere } from './where-filter.js';

/** What a query asks of one shard: these series, this range, these columns, this order. */
export interface ScanRequest {
  readonly db: string;
  /** Series owned by the shard, in the order they are to be emitted. */
  readonly series: string[];
  readonly startUs: number;
  readonly endUs: number;
  /** `*` = every column in creation order; otherwise the columns to return, in output order. */
  readonly fields: '*' | string[];
  /**
   * Arithmetic selects (§8): the columns to return, computed per block from `fields`, which
   * then lists every column the select list reads.
   */
  readonly outputs?: OutputColumn[];
  readonly order: 'asc' | 'desc';
  /** Non-time where conditions, evaluated per row. */
  readonly where: Condition | undefined;
  /** Columns the where clause reads: a series lacking one contributes no rows (0.8). */
  readonly whereColumns: string[];
  /** Rows per series at most; 0 = no limit. */
  readonly limit: number;
  readonly precision: TimePrecision;
  /** Rows per emitted series object (0.8 emitted objects of about 100 points). */
  readonly pointsPerObject: number;
  /** Rows per page handed back to the coordinator. */
  readonly pointsPerPage: number;
  /** Indent of a row when pretty-printing, null for compact JSON. */
  readonly rowIndent: string | null;
  /**
   * Set for chunked answers: the page body then holds whole series objects (head, rows,
   * tail), ready to go to the socket as they are.
   */
  readonly objectFraming?: Framing;
  /**
   * With objectFraming, for an answer the client takes compressed: each page's body is then
   * compressed here, apart from the others (util/deflate-piece.ts), so the shards compress an
   * export in parallel and the main thread only frames the pieces.
   */
  readonly deflatePages?: PieceEncoding;
  /**
   * Set for whole answers: each series is one object, its head written before its first row
   * and its tail after its last, so the coordinator only puts the shards' bytes in order. A
   * series continued from an earlier page has no head; one that ended exactly at the end of
   * an earlier page gets an object holding only its tail (count 0). Pages are then
   * `seriesFramed`.
   */
  readonly seriesFraming?: Framing;
  /** A restricted reader's per-series conditions (compiled for the snapshots by restricted-snapshot.ts). */
  readonly restrictions?: SeriesRestrictions;
  /**
   * Buffers shared with the main thread that JSON pages are copied into in turn (see
   * page-slots.ts), for a reader that lets go of page k before it asks for page k + 2.
   */
  readonly pageSlots?: readonly SharedArrayBuffer[];
}

/** An Arrow answer's layout, and each series' index in the stream's `series` dictionary. */
export interface ArrowScanOutput {
  readonly layout: ArrowLayout;
  readonly seriesIndex: Readonly<Record<string, number>>;
  /**
   * Buffers shared with the main thread that pages are written into in turn, so an export
   * leaves no buffer per page for the main thread's garbage collector. The coordinator asks for
   * page k + 2 only once page k went to the socket, so two are never overwritten while read.
   */
  readonly slots?: readonly SharedArrayBuffer[];
}

/**
 * What an Arrow answer's schema is made from: each series that will answer with its value
 * columns, and the kinds every column holds in the rows the query reads.
 */
export interface ScanSurvey {
  readonly series: { readonly name: string; readonly columns: string[] }[];
  readonly kinds: Record<string, KindSet>;
}

/**
 * One emitted series object; `body[start, end)` holds its rows as comma-joined JSON arrays, or
 * the whole object when the request asked for objectFraming.
 */
export interface PageObject {
  readonly name: string;
  readonly columns: string[];
  readonly count: number;
  readonly start: number;
  readonly end: number;
}

export interface Page {
  readonly objects: PageObject[];
  readonly body: Uint8Array;
  readonly done: boolean;
  /** The body, raw deflate (ScanRequest.deflatePages), inflates to this many bytes with this check. */
  readonly deflated?: { readonly check: number; readonly length: number };
  /** The body holds whole series objects (the request asked for objectFraming). */
  readonly framed?: boolean;
  /** The body holds series objects' heads and tails as ScanRequest.seriesFraming says. */
  readonly seriesFramed?: boolean;
  /** The body is the one record batch of an Arrow answer whose column types its rows decided (joined-aggregate.ts). */
  readonly arrowTypes?: ArrowColumnType[];
}

/** The block a cursor is reading in one series, with the views its row loop needs. */
interface OpenBlock {
  readonly rows: SeriesColumns;
  readonly selected: Column[];
  /** Each selected column's value slots as 32-bit halves, for printing ints without BigInt. */
  readonly halves: Int32Array[];
  /** Kinds of the selected and where-clause columns: a row shows only if one has a value. */
  readonly referencedKinds: Uint8Array[];
  /** Rows that pass the where clause (1), when there is one. */
  readonly passes: Uint8Array | undefined;
  /**
   * The selected columns' values, when each holds a float in every row of the block and its
   * times are below 2^53 µs: rows then go out through `writeFloatRows`, a run at a time.
   */
  readonly floats: Float64Array[] | undefined;
  next: number;
  readonly stop: number;
  readonly step: number;
}

/** The series a cursor is reading, with its position. */
interface OpenSeries {
  readonly name: string;
  readonly names: readonly string[];
  /** The response's columns: time, sequence_number, then the selected ones. */
  readonly columns: string[];
  /** The selected and where-clause columns: a row shows only if one of them has a value. */
  readonly referenced: readonly string[];
  readonly blocks: Iterator<SeriesColumns>;
  /** A restricted reader's restriction, masked here with the where clause (see SeriesSnapshot). */
  readonly restriction: BlockFilter | undefined;
  block: OpenBlock | undefined;
  emitted: number;
  /** For an Arrow answer: each layout column's place among the selected ones (-1: not this series'). */
  arrowPlaces?: number[];
}

/**
 * A pull cursor over the series of one query on one shard. It holds one block of one series
 * at a time, so memory is bounded by the block size, not by the series or the result.
 */
export class ScanCursor {
  private seriesIndex = 0;
  private current: OpenSeries | undefined;
  /**
   * The last series' response columns. A series with the same ones shares the array, and a
   * page's objects then name one array: a page crosses to the event loop as a structured
   * clone, which writes an array it has seen once as a reference, where a page of 40,000
   * one-point series had cost 40,000 arrays to clone and collect.
   */
  private lastColumns: string[] = [];
  private readonly filter: BlockFilter | undefined;
  private arrow: ArrowScanOutput | undefined;
  private arrowPages = 0;
  private jsonPages = 0;
  private arrowBatch: RecordBatchBuilder | undefined;
  private arrowPicks: Int32Array | undefined;

  constructor(
    private readonly request: ScanRequest,
    private readonly snapshot: (series: string) => SeriesSnapshot,
  ) {
    this.filter = request.where ? compileWhere(request.where) : undefined;
  }

  /** The series the cursor has not reached yet, in order. */
  unopenedSeries(): string[] {
    return this.request.series.slice(this.seriesIndex);
  }

  /** From now on, pages are Arrow record batches laid out as `output` says. */
  answerInArrow(output: ArrowScanOutput): void {
    this.arrow = output;
  }

  nextPage(): Page {
    if (this.arrow) return this.nextArrowPage(this.arrow);
    const { request } = this;
    const objects: PageObject[] = [];
    const limit = request.limit > 0 ? request.limit : Infinity;
    let pagePoints = 0;
    const compact = request.rowIndent === null;
    const separator = compact ? ',' : ',\n';
    const slot = request.pageSlots?.[this.jsonPages++ % request.pageSlots.length];
    // A page is written straight into its slot (a whole-database export copied 320 MB into
    // slots after writing it), unless it is to be compressed: the compressed page goes there.
    const slotBytes = slot !== undefined && request.deflatePages === undefined ? new Uint8Array(slot) : undefined;
    const out = slotBytes === undefined ? borrowWriter() : new JsonWriter(slotBytes);
    // With a slot, a page also ends between objects once it nears the slot's size, so it fits.
    const pageBytes = slot === undefined ? Infinity : slot.byteLength - PAGE_SLOT_MARGIN;
    while (pagePoints < request.pointsPerPage && out.length < pageBytes) {
      const cursor = this.current ?? this.openNextSeries();
      if (!cursor) break;
      const start = out.length;
      const columns = cursor.columns;
      const continued = cursor.emitted > 0;
      if (request.objectFraming) writeSeriesObjectHead(out, cursor.name, columns, request.objectFraming);
      else if (request.seriesFraming && !continued) writeSeriesObjectHead(out, cursor.name, columns, request.seriesFraming);
      // Rows of one object may come from several blocks; the object ends at pointsPerObject,
      // and a whole answer's series object at the end of the page too.
      let rowLimit = Math.min(request.pointsPerObject, limit - cursor.emitted);
      if (request.seriesFraming) rowLimit = Math.min(rowLimit, request.pointsPerPage - pagePoints);
      let count = 0;
      while (count < rowLimit) {
        const block = cursor.block ?? this.openNextBlock(cursor);
        if (!block) break;
        const { time, seq } = block.rows;
        const { stop, step, selected, halves } = block;
        // Most blocks show every row (a uniform column, no where clause): checked once here
        // rather than per row.
        const everyRow = everyRowShows(block);
        // The row loop runs on locals; the block is updated once per run.
        let next = block.next;
        if (everyRow && compact && block.floats !== undefined) {
          const run = Math.min((stop - next) * step, rowLimit - count, FLOAT_ROWS_AT_ONCE);
          const written = writeFloatRows(out, time, seq, request.precision, block.floats, next, step, run, count > 0);
          next += written * step;
          count += written;
        }
        while (next !== stop && count < rowLimit) {
          const i = next;
          next += step;
          if (!everyRow && !this.rowShows(block, i)) continue;
          if (count > 0) {
            if (compact) out.byte(44);
            else out.ascii(separator);
          }
          writeRow(out, fromMicros(time[i]!, request.precision), seq[i]!, selected, halves, i, request.rowIndent);
          count++;
        }
        block.next = next;
        if (next === stop) cursor.block = undefined;
      }
      cursor.emitted += count;
      const ended = count < rowLimit || cursor.emitted >= limit;
      if (count > 0 || (request.seriesFraming && continued && ended)) {
        if (request.objectFraming) out.ascii(seriesObjectTail(request.objectFraming));
        else if (request.seriesFraming && ended) out.ascii(seriesObjectTail(request.seriesFraming));
        objects.push({ name: cursor.name, columns, count, start, end: out.length });
        pagePoints += count;
      } else {
        out.length = start;
      }
      if (ended) this.current = undefined;
    }
    const done = this.current === undefined && this.seriesIndex >= request.series.length;
    const framing = { framed: request.objectFraming !== undefined, seriesFramed: request.seriesFraming !== undefined };
    if (request.deflatePages !== undefined && objects.length > 0) {
      const piece = deflatePiece(out.bytes(), request.deflatePages);
      giveBackWriter(out);
      return { objects, body: pageBody(piece.deflated, slot), done, ...framing, deflated: { check: piece.check, length: piece.length } };
    }
    // Written in its slot, the page is there already; a writer that outgrew the slot (an object
    // of very wide rows crossed its end), or a page without one, is copied.
    const body = slotBytes !== undefined && out.writesInto(slotBytes) ? slotBytes.subarray(0, out.length) : pageBody(out.bytes(), slot);
    // A writer made over the slot is this page's own; a borrowed one goes back.
    if (slotBytes === undefined) giveBackWriter(out);
    return { objects, body, done, ...framing };
  }

  /**
   * The kinds the cursor's series' selected columns hold, so the Arrow schema can be declared
   * before the first row. A block read whole takes them from its header when its file recorded
   * them; the others (range edges, overlapping or tombstoned pieces, older files) are decoded,
   * and so is everything for computed columns. A restricted reader's snapshot offers no header
   * (restricted-snapshot.ts), so its kinds come from its permitted rows only.
   */
  survey(): ScanSurvey {
    const { request } = this;
    const survey: ScanSurvey = { series: [], kinds: {} };
    for (const name of request.series) {
      const snapshot = this.snapshot(name);
      if (request.whereColumns.some((c) => !snapshot.columns.includes(c))) continue;
      const names = request.fields === '*' ? [...snapshot.columns] : request.fields;
      const columns = request.outputs?.map((o) => o.name) ?? names;
      survey.series.push({ name, columns });
      const fromHeader = (piece: Piece): boolean => {
        const { kinds } = piece;
        if (kinds === undefined) return false;
        for (const n of names) survey.kinds[n] = (survey.kinds[n] ?? 0) | (kinds[n] ?? 0);
        return true;
      };
      const blocks = snapshot.blocks(request.outputs ? undefined : fromHeader);
      for (let step = blocks.next(); !step.done; step = blocks.next()) {
        const rows = step.value;
        const lo = lowerBound(rows.time, rows.count, request.startUs);
        const hi = lowerBound(rows.time, rows.count, request.endUs);
        if (lo >= hi) continue;
        this.selectedColumns(rows, names).forEach((column, c) => {
          survey.kinds[columns[c]!] = (survey.kinds[columns[c]!] ?? 0) | kindsOf(column, lo, hi);
        });
      }
    }
    return survey;
  }

  /**
   * The next rows as one Arrow record batch message (see `nextPage`); rows of several series
   * share a batch, told apart by the `series` column.
   */
  private nextArrowPage(output: ArrowScanOutput): Page {
    const { request } = this;
    const limit = request.limit > 0 ? request.limit : Infinity;
    const batch = (this.arrowBatch ??= new RecordBatchBuilder(output.layout, batchRows(output.layout, request.pointsPerPage)));
    batch.reset();
    const picks = (this.arrowPicks ??= new Int32Array(batch.capacity));
    while (batch.rows < batch.capacity) {
      const cursor = this.current ?? this.openNextSeries();
      if (!cursor) break;
      const block = cursor.emitted < limit ? (cursor.block ?? this.openNextBlock(cursor)) : undefined;
      if (!block) {
        this.current = undefined;
        continue;
      }
      const room = Math.min(batch.capacity - batch.rows, limit - cursor.emitted);
      const { stop, step } = block;
      let next = block.next;
      let count = 0;
      if (everyRowShows(block)) {
        for (; next !== stop && count < room; next += step) picks[count++] = next;
      } else {
        for (; next !== stop && count < room; next += step) if (this.rowShows(block, next)) picks[count++] = next;
      }
      block.next = next;
      if (next === stop) cursor.block = undefined;
      const places = (cursor.arrowPlaces ??= layoutPlaces(output.layout, cursor.columns));
      const columns = places.map((at) => (at < 0 ? undefined : block.selected[at]));
      batch.append(output.seriesIndex[cursor.name]!, block.rows.time, block.rows.seq, columns, picks, count);
      cursor.emitted += count;
    }
    const done = this.current === undefined && this.seriesIndex >= request.series.length;
    const slots = output.slots;
    return { objects: [], body: batch.finish(slots?.[this.arrowPages++ % slots.length]), done };
  }

  /** §9.3: a row shows only if a referenced column has a value, and it passes the where clause. */
  private rowShows(block: OpenBlock, i: number): boolean {
    const kinds = block.referencedKinds;
    let any = false;
    for (let c = 0; c < kinds.length; c++) {
      if (kinds[c]![i] !== ValueKind.Null) {
        any = true;
        break;
      }
    }
    return any && (block.passes === undefined || block.passes[i] === 1);
  }

  private openNextSeries(): OpenSeries | undefined {
    const { request } = this;
    while (this.seriesIndex < request.series.length) {
      const name = request.series[this.seriesIndex++]!;
      const snapshot = this.snapshot(name);
      if (request.whereColumns.some((c) => !snapshot.columns.includes(c))) continue;
      const names = request.fields === '*' ? snapshot.columns : request.fields;
      const columns = this.sharedColumns(['time', 'sequence_number', ...(request.outputs?.map((o) => o.name) ?? names)]);
      const referenced = request.whereColumns.length === 0 ? names : [...new Set([...names, ...request.whereColumns])];
      const { restriction } = snapshot;
      const blocks = restriction ? restriction.unfilteredBlocks() : snapshot.blocks();
      this.current = { name, names, columns, referenced, blocks, restriction: restriction?.filter, block: undefined, emitted: 0 };
      return this.current;
    }
    return undefined;
  }

  /** `columns`, or the last series' array when it holds the same names. */
  private sharedColumns(columns: string[]): string[] {
    const last = this.lastColumns;
    if (last.length === columns.length && columns.every((name, i) => name === last[i])) return last;
    this.lastColumns = columns;
    return columns;
  }

  /** The columns a block answers with: the named ones, or those the select list computes. */
  private selectedColumns(rows: SeriesColumns, names: readonly string[]): Column[] {
    const { outputs } = this.request;
    return outputs ? evaluateOutputs(outputs, { count: rows.count, column: (n) => storedIn(rows, n) }) : columnsIn(rows, names);
  }

  /** The series' next block with rows in range, or undefined at its end. */
  private openNextBlock(cursor: OpenSeries): OpenBlock | undefined {
    const { request } = this;
    for (;;) {
      const step = cursor.blocks.next();
      if (step.done) return undefined;
      const rows = step.value;
      const lo = lowerBound(rows.time, rows.count, request.startUs);
      const hi = lowerBound(rows.time, rows.count, request.endUs);
      if (lo >= hi) continue;
      const selected = this.selectedColumns(rows, cursor.names);
      const referencedKinds = columnsIn(rows, cursor.referenced).map((column) => column.kinds);
      let passes: Uint8Array | undefined;
      if (this.filter || cursor.restriction) {
        const view = { count: rows.count, time: rows.time, seq: rows.seq, column: (n: string) => storedIn(rows, n) };
        passes = both(this.filter?.(view, lo, hi), cursor.restriction?.(view, lo, hi), lo, hi);
      }
      const ascending = request.order === 'asc';
      const floats = selected.every(isFloatColumn) && isSafeMagnitude(rows.time[lo]!) && isSafeMagnitude(rows.time[hi - 1]!) ? selected.map((c) => c.floats) : undefined;
      cursor.block = {
        rows,
        selected,
        halves: selected.map(int32Halves),
        referencedKinds,
        passes,
        floats,
        next: ascending ? lo : hi - 1,
        stop: ascending ? hi : lo - 1,
        step: ascending ? 1 : -1,
      };
      return cursor.block;
    }
  }
}

/**
 * Whether every row of the block shows (§9.3) without looking: no mask, and a selected column
 * the block stored with a value in every row.
 */
function everyRowShows(block: OpenBlock): boolean {
  if (block.passes !== undefined) return false;
  return block.selected.some((c) => c.uniformKind !== undefined && c.uniformKind !== ValueKind.Null && c.uniformKind !== ValueKind.Erased);
}

/** A column with a float in every row of its block. */
function isFloatColumn(column: Column): boolean {
  return column.uniformKind === ValueKind.Float;
}

/** A block has a handful of columns: finding one by name beats building a map per block. */
function storedIn(rows: SeriesColumns, name: string): Column | undefined {
  return rows.columns.find((c) => c.name === name);
}

/** The block's column, or an all-null one when the block's rows never had it. */
function columnIn(rows: SeriesColumns, name: string): Column {
  return storedIn(rows, name) ?? allocateColumn(name, rows.count);
}

/**
 * Each of the layout's columns' place among the series' selected columns (its response
 * columns after time and sequence_number), -1 where the series has none of that name; found
 * once per series through a map, not searched per block.
 */
function layoutPlaces(layout: ArrowLayout, columns: readonly string[]): number[] {
  const place = new Map<string, number>();
  for (let i = 2; i < columns.length; i++) if (!place.has(columns[i]!)) place.set(columns[i]!, i - 2);
  return layout.columns.map((c) => place.get(c.name) ?? -1);
}

/** Past this many columns asked of a block with as many, they are found through a map. */
const SEARCHED_COLUMNS = 16;

/**
 * `columnIn` for each of `names`. A series of thousands of columns (a line-protocol line may
 * carry that many fields) asked for all of them would search its columns once per name: 20,000
 * took a shard 1.9 s for three rows.
 */
function columnsIn(rows: SeriesColumns, names: readonly string[]): Column[] {
  if (names.length <= SEARCHED_COLUMNS || rows.columns.length <= SEARCHED_COLUMNS) return names.map((n) => columnIn(rows, n));
  const byName = new Map(rows.columns.map((column) => [column.name, column]));
  return names.map((n) => byName.get(n) ?? allocateColumn(n, rows.count));
}

/** Rows both masks pass (an absent mask passes every row); written into the first. */
function both(a: Uint8Array | undefined, b: Uint8Array | undefined, from: number, to: number): Uint8Array | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  for (let i = from; i < to; i++) a[i]! &= b[i]!;
  return a;
}

/** Room left in a slot for the object that crosses the soft limit: 1000 rows of moderate width. */
const PAGE_SLOT_MARGIN = 256 * 1024;

/** The page's bytes in `slot` when they fit, else in a buffer of their own that can be moved to the main thread. */
function pageBody(bytes: Uint8Array, slot: SharedArrayBuffer | undefined): Uint8Array {
  // A copy, not a view: a zlib result may be a slice of a buffer Node pools for other uses.
  if (slot === undefined || bytes.length > slot.byteLength) return new Uint8Array(bytes);
  const body = new Uint8Array(slot, 0, bytes.length);
  body.set(bytes);
  return body;
}

