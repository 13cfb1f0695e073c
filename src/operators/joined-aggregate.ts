import { MERGE_DONE, MergeStream } from '../engine/merge-stream.js';
import { createAggregate } from '../engine/registry.js';
import { emptySeriesPartial, finishSeriesPartial, type SeriesPartial } from '../engine/series-partial.js';
import type { Aggregate } from '../engine/aggregates/aggregate.js';
import { allocateColumn, type SeriesColumns } from '../storage/columns.js';
import { copyRows } from './block-cursor.js';
import type { PageObject } from './scan-cursor.js';
import { oneSeriesBatch } from './aggregate-arrow.js';
import { encodeSeriesRows } from '../query/aggregate-rows.js';
import { SeriesReader, type AggregateRequest } from './aggregate-scan.js';
import { JoinedRows, type PendingRow } from './joined-rows.js';
import type { Delivery, MergePage } from './merge-cursor.js';

/*
 * Aggregates over `a [as x] inner join b [as y]` (query-language.md §10.2): rows must be
 * paired by time before anything is aggregated, so the sides' blocks come to the thread of
 * the first side's shard as for a raw join (merge-source.ts), are paired there as a raw
 * join pairs them (joined-rows.ts), and each full block of joined rows — columns named
 * `x.col` — is folded into one partial like a stored block. The rows are encoded when the
 * last block is in: the merge's only page.
 */

/** Joined rows folded at a time. */
const JOINED_ROWS = 1024;

export interface JoinedAggregateRequest extends AggregateRequest {
  readonly kind: 'joined-aggregate';
  /** Output series name, `x_join_y`. */
  readonly name: string;
  /** Per side, in from-clause order: its prefix and the columns its blocks carry. */
  readonly inputs: readonly { readonly label: string; readonly columns: readonly string[] }[];
  /** Output columns after time, for the page's object. */
  readonly columns: readonly string[];
  /** `format=arrow`: the last page is one record batch, with the types its rows hold. */
  readonly inArrow?: boolean;
}

/** The merging side of a joined aggregate, run in a shard thread: pairs rows, folds them, then answers one page. */
export class JoinedAggregateCursor {
  private readonly stream: MergeStream;
  private readonly pending: (PendingRow | undefined)[];
  private readonly joined: JoinedRows;
  private readonly aggregates: readonly Aggregate<unknown>[];
  private readonly reader: SeriesReader;
  private readonly partial: SeriesPartial = emptySeriesPartial();
  /** A descending join's rows, turned ascending as aggregation reads blocks. */
  private readonly ascending: SeriesColumns | undefined;

  constructor(private readonly request: JoinedAggregateRequest) {
    this.stream = new MergeStream(request.inputs.length, request.order);
    this.pending = request.inputs.map(() => undefined);
    this.joined = new JoinedRows(request.inputs, JOINED_ROWS);
    this.aggregates = request.aggregates.map((spec) => createAggregate(spec, request.order));
    this.reader = new SeriesReader(request, this.aggregates);
    this.ascending =
      request.order === 'desc'
        ? { series: request.name, count: 0, time: new Float64Array(JOINED_ROWS), seq: new Float64Array(JOINED_ROWS), columns: this.joined.columns.map((c) => allocateColumn(c.name, JOINED_ROWS)) }
        : undefined;
  }

  page(deliveries: readonly Delivery[]): MergePage {
    for (const { input, block } of deliveries) this.stream.push(input, block);
    for (let input = this.stream.next(); input >= 0; input = this.stream.next()) {
      this.pending[input] = { block: this.stream.block(input), row: this.stream.row(input) };
      this.stream.advance(input);
      if (this.pending.some((p) => p === undefined)) continue;
      this.joined.add(this.pending as PendingRow[]);
      this.pending.fill(undefined);
      if (this.joined.count === this.joined.capacity) this.fold();
    }
    if (this.stream.next() !== MERGE_DONE) return { objects: [], body: new Uint8Array(0), done: false, needs: this.stream.starved() };
    this.fold();
    if (this.request.inArrow) {
      const { types, bytes } = oneSeriesBatch(this.aggregates, this.partial, this.request);
      return { objects: [], body: bytes, arrowTypes: types, done: true, needs: [] };
    }
    return { ...this.encoded(), done: true, needs: [] };
  }

  /** Folds the joined rows so far into the partial, and empties them. */
  private fold(): void {
    const { joined } = this;
    if (joined.count === 0) return;
    const rows = this.ascending ? this.reversed() : { series: this.request.name, count: joined.count, time: joined.time, seq: joined.seq, columns: joined.columns };
    this.reader.accumulateRows(rows, this.partial, rows.seq);
    joined.clear();
  }

  /** The joined rows (in descending order) copied into ascending order. */
  private reversed(): SeriesColumns {
    const { joined } = this;
    const target = this.ascending!;
    const count = joined.count;
    const backwards = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      backwards[i] = count - 1 - i;
      target.time[i] = joined.time[count - 1 - i]!;
      target.seq[i] = joined.seq[count - 1 - i]!;
    }
    joined.columns.forEach((column, c) => {
      target.columns[c]!.strings.length = 0;
      copyRows(column, backwards, target.columns[c]!, 0);
    });
    return { ...target, count };
  }

  /** The finished rows as one page: an object per run of encoded rows. */
  private encoded(): { objects: PageObject[]; body: Uint8Array } {
    if (this.partial.groups.size === 0) return { objects: [], body: new Uint8Array(0) };
    const { request } = this;
    const runs = encodeSeriesRows(finishSeriesPartial(this.aggregates, this.partial), this.aggregates, request.order, request.widthUs, request.shaping);
    const columns = ['time', ...request.columns];
    const objects: PageObject[] = [];
    let at = 0;
    for (const { bytes, rows } of runs) {
      objects.push({ name: request.name, columns, count: rows, start: at, end: at + bytes.length });
      at += bytes.length;
    }
    return { objects, body: Buffer.concat(runs.map((run) => run.bytes)) };
  }
}
