import type { Condition } from '../query/ast.js';
import { compileCondition, type RowPredicate, type RowView } from '../query/row-filter.js';
import { fromMicros, type TimePrecision } from '../time-precision.js';
import { ValueKind, type Column, type SeriesColumns } from './columns.js';
import { int32Halves, writeRow } from './json-rows.js';
import { JsonWriter } from './json-writer.js';

/** What a query asks of one shard: these series, this range, these columns, this order. */
export interface ScanRequest {
  readonly db: string;
  /** Series owned by the shard, in the order they are to be emitted. */
  readonly series: string[];
  readonly startUs: number;
  readonly endUs: number;
  /** `*` = every column in creation order; otherwise the columns to return, in output order. */
  readonly fields: '*' | string[];
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
}

/** One emitted series object; its rows are `body[start, end)` as comma-joined JSON arrays. */
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
}

/** Loads a series' rows in [start, end) sorted by time; supplied by the shard. */
export type SeriesLoader = (series: string) => { rows: SeriesColumns; columns: string[] };

/** One series as a scan found it when it opened; loaded when the cursor reaches it. */
export interface SeriesSnapshot {
  load(): { rows: SeriesColumns; columns: string[] };
}

/** The series a cursor is reading, with its position. */
interface OpenSeries {
  readonly name: string;
  readonly rows: SeriesColumns;
  readonly selected: Column[];
  /** Each selected column's value slots as 32-bit halves, for printing ints without BigInt. */
  readonly halves: Int32Array[];
  /** Kinds of the selected and where-clause columns: a row shows only if one has a value. */
  readonly referencedKinds: Uint8Array[];
  readonly names: string[];
  readonly view: RowView;
  next: number;
  readonly stop: number;
  readonly step: number;
  emitted: number;
}

/**
 * A pull cursor over the series of one query on one shard. Only the series being read is
 * materialised, so memory is bounded by the largest series in range, not the result.
 */
export class ScanCursor {
  private seriesIndex = 0;
  private current: OpenSeries | undefined;
  private readonly filter: RowPredicate | undefined;

  constructor(
    private readonly request: ScanRequest,
    private readonly load: SeriesLoader,
  ) {
    this.filter = request.where ? compileCondition(request.where) : undefined;
  }

  nextPage(): Page {
    const { request } = this;
    const objects: PageObject[] = [];
    const out = new JsonWriter(request.pointsPerPage * 40);
    let pagePoints = 0;
    const separator = request.rowIndent === null ? ',' : ',\n';
    const limit = request.limit > 0 ? request.limit : Infinity;
    while (pagePoints < request.pointsPerPage) {
      const cursor = this.current ?? this.openNextSeries();
      if (!cursor) break;
      const start = out.length;
      const { time, seq } = cursor.rows;
      const { stop, step, selected, halves } = cursor;
      // The row loop runs on locals; the cursor is updated once per object.
      const rowLimit = Math.min(request.pointsPerObject, limit - cursor.emitted);
      let next = cursor.next;
      let count = 0;
      while (next !== stop && count < rowLimit) {
        const i = next;
        next += step;
        if (!this.rowShows(cursor, i)) continue;
        if (count > 0) out.ascii(separator);
        writeRow(out, fromMicros(time[i]!, request.precision), seq[i]!, selected, halves, i, request.rowIndent);
        count++;
      }
      cursor.next = next;
      cursor.emitted += count;
      if (count > 0) {
        objects.push({ name: cursor.name, columns: ['time', 'sequence_number', ...cursor.names], count, start, end: out.length });
        pagePoints += count;
      }
      if (cursor.next === cursor.stop || cursor.emitted >= limit) this.current = undefined;
    }
    return { objects, body: out.bytes(), done: this.current === undefined && this.seriesIndex >= request.series.length };
  }

  /** §9.3: a row shows only if a referenced column has a value, and it passes the where clause. */
  private rowShows(cursor: OpenSeries, i: number): boolean {
    const kinds = cursor.referencedKinds;
    let any = false;
    for (let c = 0; c < kinds.length; c++) {
      if (kinds[c]![i] !== ValueKind.Null) {
        any = true;
        break;
      }
    }
    return any && (this.filter === undefined || this.filter(cursor.view, i));
  }

  private openNextSeries(): OpenSeries | undefined {
    const { request } = this;
    while (this.seriesIndex < request.series.length) {
      const name = request.series[this.seriesIndex++]!;
      const { rows, columns } = this.load(name);
      if (request.whereColumns.some((c) => !columns.includes(c))) continue;
      const names = request.fields === '*' ? columns : request.fields;
      const byName = new Map(rows.columns.map((c) => [c.name, c]));
      const columnOf = (n: string): Column => byName.get(n) ?? emptyColumn(n, rows.count);
      const selected = names.map(columnOf);
      const referencedKinds = [...new Set([...names, ...request.whereColumns])].map((n) => columnOf(n).kinds);
      const view: RowView = { column: (n) => byName.get(n), time: rows.time, seq: rows.seq };
      const lo = lowerBound(rows.time, rows.count, request.startUs);
      const hi = lowerBound(rows.time, rows.count, request.endUs);
      if (lo >= hi) continue;
      const common = { name, rows, selected, halves: selected.map(int32Halves), referencedKinds, names, view, emitted: 0 };
      this.current =
        request.order === 'asc' ? { ...common, next: lo, stop: hi, step: 1 } : { ...common, next: hi - 1, stop: lo - 1, step: -1 };
      return this.current;
    }
    return undefined;
  }
}

function emptyColumn(name: string, count: number): Column {
  const buffer = new ArrayBuffer(count * 8);
  return { name, kinds: new Uint8Array(count), floats: new Float64Array(buffer), ints: new BigInt64Array(buffer), strings: [] };
}

/** First index whose time is ≥ t. */
export function lowerBound(time: Float64Array, count: number, t: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
