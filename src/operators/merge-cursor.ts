import { evaluateOutputs, type OutputColumn } from '../engine/arithmetic.js';
import { MERGE_DONE, MergeStream } from '../engine/merge-stream.js';
import { allocateColumn, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { int32Halves, writeRow, writeRowWithoutSeq } from '../engine/json/json-rows.js';
import { borrowWriter, finishBorrowed, JsonWriter } from '../engine/json/json-writer.js';
import { RecordBatchBuilder, type ArrowLayout } from '../engine/arrow/record-batch.js';
import type { Page, PageObject } from './scan-cursor.js';
import { fromMicros, type TimePrecision } from '../time-precision.js';
import type { Condition } from '../query/ast.js';
import { JoinedRows, type PendingRow } from './joined-rows.js';
import { compileWhere } from './where-filter.js';
import type { BlockFilter } from '../storage/series-snapshot.js';

/** A merge's or join's output, for the thread that merges its series' blocks. */
export interface MergeCursorRequest {
  readonly kind: 'merge' | 'join';
  /** Output series name: `a_merge_b` or `x_join_y`. */
  readonly name: string;
  /** Per input, in from-clause order: its `_orig_series` value or join prefix, and the columns its blocks carry. */
  readonly inputs: readonly { readonly label: string; readonly columns: readonly string[] }[];
  /** Output columns of a raw select (join: prefixed names); `*` = every carried column. */
  readonly fields: '*' | string[];
  /** Arithmetic selects: the computed columns instead of `fields`. */
  readonly outputs?: OutputColumn[];
  /** A join's where clause, over the joined row (a merge's runs on each series' shard). */
  readonly where?: Condition;
  readonly order: 'asc' | 'desc';
  /** 0 = no limit. */
  readonly limit: number;
  readonly precision: TimePrecision;
  readonly pointsPerObject: number;
  readonly pointsPerPage: number;
  readonly rowIndent: string | null;
  /** `format=arrow`: pages are record batches in this layout (the answer's one series is index 0). */
  readonly arrow?: ArrowLayout;
}

/** An input's next block (rows in query order), or null when it has no more rows. */
export interface Delivery {
  readonly input: number;
  readonly block: SeriesColumns | null;
}

/** A page, and the inputs whose next block the merge waits for (none once done). */
export interface MergePage extends Page {
  readonly needs: number[];
}


/** Columns to print for one input block, with their int views. */
interface Printed {
  readonly columns: Column[];
  readonly halves: Int32Array[];
}

/**
 * The merging side of `a merge b` and `a inner join b`, run in a shard thread: the coordinator
 * brings it each series' blocks (read and filtered by the shards owning them) as it asks for
 * them, and it answers JSON pages like a scan cursor does. It holds one block per input.
 */
export class MergeCursor {
  private readonly stream: MergeStream;
  private readonly limit: number;
  private emitted = 0;
  /** merge: how each input's current block prints. */
  private readonly printed: (Printed | undefined)[];
  /** join: each side's unpaired row, and the pairs not yet encoded. */
  private readonly pending: (PendingRow | undefined)[];
  private readonly joined: JoinedRows | undefined;
  private readonly filter: BlockFilter | undefined;
  private readonly header: string[];

  constructor(private readonly request: MergeCursorRequest) {
    this.stream = new MergeStream(request.inputs.length, request.order);
    this.limit = request.limit > 0 ? request.limit : Infinity;
    this.printed = request.inputs.map(() => undefined);
    this.pending = request.inputs.map(() => undefined);
    this.joined = request.kind === 'join' ? new JoinedRows(request.inputs, request.pointsPerObject) : undefined;
    this.filter = request.where ? compileWhere(request.where) : undefined;
    const computed = request.outputs?.map((o) => o.name);
    if (this.joined) this.header = ['time', ...(computed ?? this.joinFields())];
    else this.header = ['time', 'sequence_number', ...(computed ?? [...this.mergeFields(), '_orig_series'])];
  }

  page(deliveries: readonly Delivery[]): MergePage {
    for (const { input, block } of deliveries) {
      this.stream.push(input, block);
      if (!this.joined) this.printed[input] = block ? this.printedOf(input, block) : undefined;
    }
    const { arrow, pointsPerPage } = this.request;
    // A JSON page is written into the thread's borrowed writer and leaves in a buffer of its exact size.
    const out = arrow ? new RecordBatchBuilder(arrow, pointsPerPage) : borrowWriter();
    const objects = this.joined ? this.joinRows(out) : out instanceof JsonWriter ? this.mergeRows(out) : this.mergeBatch(out);
    const done = this.emitted >= this.limit || this.stream.next() === MERGE_DONE;
    return { objects, body: out instanceof JsonWriter ? finishBorrowed(out) : out.finish(), done, needs: done ? [] : this.stream.starved() };
  }

  /** mergeRows as one record batch: runs of rows from one input are appended together. */
  private mergeBatch(batch: RecordBatchBuilder): PageObject[] {
    const picks = new Int32Array(batch.capacity);
    let run = -1;
    let block: SeriesColumns | undefined;
    let count = 0;
    const flush = (): void => {
      if (count > 0) batch.append(0, block!.time, block!.seq, this.printed[run]!.columns, picks, count);
      count = 0;
    };
    while (batch.rows + count < batch.capacity && this.emitted < this.limit) {
      const input = this.stream.next();
      if (input < 0) break;
      if (input !== run || this.stream.block(input) !== block) {
        flush();
        run = input;
        block = this.stream.block(input);
      }
      picks[count++] = this.stream.row(input);
      this.stream.advance(input);
      this.emitted++;
    }
    flush();
    return [];
  }

  /** §9.2: the left series' columns, then those only the right one has (or the listed ones). */
  private mergeFields(): string[] {
    if (this.request.fields !== '*') return this.request.fields;
    return [...new Set(this.request.inputs.flatMap((input) => input.columns))];
  }

  private joinFields(): string[] {
    return this.request.fields === '*' ? this.joined!.columns.map((c) => c.name) : this.request.fields;
  }

  private printedOf(input: number, block: SeriesColumns): Printed {
    const byName = new Map(block.columns.map((c) => [c.name, c]));
    const lookup = { count: block.count, column: (n: string) => byName.get(n) };
    const columns = this.request.outputs
      ? evaluateOutputs(this.request.outputs, lookup)
      : [...this.mergeFields().map((n) => byName.get(n) ?? allocateColumn(n, block.count)), labelColumn(this.request.inputs[input]!.label, block.count)];
    return { columns, halves: columns.map(int32Halves) };
  }

  private mergeRows(out: JsonWriter): PageObject[] {
    const { pointsPerObject, pointsPerPage, precision, rowIndent } = this.request;
    const objects: PageObject[] = [];
    const separator = rowIndent === null ? ',' : ',\n';
    let start = out.length;
    let count = 0;
    let pagePoints = 0;
    while (pagePoints < pointsPerPage && this.emitted < this.limit) {
      const input = this.stream.next();
      if (input < 0) break;
      const block = this.stream.block(input);
      const row = this.stream.row(input);
      const { columns, halves } = this.printed[input]!;
      if (count > 0) out.ascii(separator);
      writeRow(out, fromMicros(block.time[row]!, precision), block.seq[row]!, columns, halves, row, rowIndent);
      this.stream.advance(input);
      count++;
      pagePoints++;
      this.emitted++;
      if (count === pointsPerObject) {
        objects.push(this.object(count, start, out.length));
        count = 0;
        start = out.length;
      }
    }
    if (count > 0) objects.push(this.object(count, start, out.length));
    return objects;
  }

  /**
   * §10.2: walk the merged stream keeping each side's latest unpaired row; once every side has
   * one they make a row at the last side's time, and all start over.
   */
  private joinRows(out: JsonWriter | RecordBatchBuilder): PageObject[] {
    const joined = this.joined!;
    const objects: PageObject[] = [];
    let pairs = 0;
    while (pairs < this.request.pointsPerPage && this.emitted < this.limit) {
      const input = this.stream.next();
      if (input < 0) break;
      this.pending[input] = { block: this.stream.block(input), row: this.stream.row(input) };
      this.stream.advance(input);
      if (this.pending.some((p) => p === undefined)) continue;
      joined.add(this.pending as PendingRow[]);
      this.pending.fill(undefined);
      pairs++;
      if (joined.count === joined.capacity) this.encodeJoined(out, objects);
    }
    this.encodeJoined(out, objects);
    return objects;
  }

  /** The paired rows that pass the where clause, as one object (or into the batch); the block is then reused. */
  private encodeJoined(out: JsonWriter | RecordBatchBuilder, objects: PageObject[]): void {
    const joined = this.joined!;
    const { precision, rowIndent } = this.request;
    const passes = this.filter?.({ count: joined.count, time: joined.time, seq: joined.seq, column: (n) => joined.column(n) }, 0, joined.count);
    const columns = this.request.outputs
      ? evaluateOutputs(this.request.outputs, { count: joined.count, column: (n) => joined.column(n) })
      : this.joinFields().map((n) => joined.column(n)!);
    if (out instanceof RecordBatchBuilder) {
      const picks = new Int32Array(joined.count);
      let count = 0;
      for (let row = 0; row < joined.count && this.emitted < this.limit; row++) {
        if (passes !== undefined && passes[row] !== 1) continue;
        picks[count++] = row;
        this.emitted++;
      }
      out.append(0, joined.time, undefined, columns, picks, count);
      return joined.clear();
    }
    const halves = columns.map(int32Halves);
    const start = out.length;
    let count = 0;
    for (let row = 0; row < joined.count && this.emitted < this.limit; row++) {
      if (passes !== undefined && passes[row] !== 1) continue;
      if (count > 0) out.ascii(rowIndent === null ? ',' : ',\n');
      writeRowWithoutSeq(out, fromMicros(joined.time[row]!, precision), columns, halves, row, rowIndent);
      count++;
      this.emitted++;
    }
    if (count > 0) objects.push(this.object(count, start, out.length));
    joined.clear();
  }

  private object(count: number, start: number, end: number): PageObject {
    return { name: this.request.name, columns: this.header, count, start, end };
  }
}

/** `_orig_series` of one input's block: its series name in every row. */
function labelColumn(label: string, count: number): Column {
  const column = allocateColumn('_orig_series', count);
  column.strings.push(label);
  column.kinds.fill(ValueKind.String);
  return column;
}
