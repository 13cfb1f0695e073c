import { allocateColumn, slotWords, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';
import { kindsOf, type KindSet } from '../storage/kind-set.js';
import { lowerBound } from '../storage/row-slice.js';
import type { BlockFilter, SeriesSnapshot } from '../storage/series-snapshot.js';
import type { Condition } from '../query/ast.js';
import { compileWhere } from './where-filter.js';

/**
 * What a merge or join asks of the shard owning one of its series: that series' rows in the
 * range, filtered, as compact column blocks in query order.
 */
export interface BlockScanRequest {
  readonly db: string;
  readonly series: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly order: 'asc' | 'desc';
  /** Columns the blocks carry: `*` = every column in creation order. */
  readonly fields: '*' | string[];
  /** Evaluated here, before the merge (a merge's where clause applies to each series). */
  readonly where: Condition | undefined;
  readonly whereColumns: string[];
  /** Rows per block at least, unless the series ends first. */
  readonly rowsPerBlock: number;
  /** A restricted reader's condition on this series' rows (restricted-snapshot.ts). */
  readonly restriction?: Condition;
}

/**
 * Reads one series block by block and hands back only the rows that exist for the query
 * (§9.3) and pass its where clause, gathered into fresh arrays in query order. A block
 * owns its buffers and string table, so it can be transferred to another thread (packed by
 * block-wire.ts) without dragging along the memtable chunk or segment block it came from.
 */
export class BlockCursor {
  private readonly blocks: Iterator<SeriesColumns> | undefined;
  private readonly filter: BlockFilter | undefined;
  /** Columns carried, in block order. */
  readonly columns: readonly string[];

  constructor(
    private readonly request: BlockScanRequest,
    private readonly snapshot: SeriesSnapshot,
  ) {
    this.columns = request.fields === '*' ? snapshot.columns : request.fields;
    this.filter = request.where ? compileWhere(request.where) : undefined;
    // A series lacking a where-clause column contributes no rows (§5.1.2).
    const lacksWhereColumn = request.whereColumns.some((c) => !snapshot.columns.includes(c));
    this.blocks = lacksWhereColumn ? undefined : snapshot.blocks();
  }

  /**
   * The kinds each carried column holds in the series' rows in range (a restricted reader's
   * permitted rows), read before the first block so an Arrow answer's schema can be declared.
   */
  survey(): Record<string, KindSet> {
    const kinds: Record<string, KindSet> = {};
    if (!this.blocks) return kinds;
    const { startUs, endUs } = this.request;
    const blocks = this.snapshot.blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) {
      const rows = step.value;
      const lo = lowerBound(rows.time, rows.count, startUs);
      const hi = lowerBound(rows.time, rows.count, endUs);
      for (const column of rows.columns) {
        if (lo < hi && this.columns.includes(column.name)) kinds[column.name] = (kinds[column.name] ?? 0) | kindsOf(column, lo, hi);
      }
    }
    return kinds;
  }

  /** The next block of at least `rowsPerBlock` rows (fewer at the end), or null after the last. */
  nextBlock(): SeriesColumns | null {
    const picked: { rows: SeriesColumns; selection: Uint32Array }[] = [];
    let total = 0;
    while (this.blocks && total < this.request.rowsPerBlock) {
      const step = this.blocks.next();
      if (step.done) break;
      const selection = this.visibleRows(step.value);
      if (selection.length === 0) continue;
      picked.push({ rows: step.value, selection });
      total += selection.length;
    }
    return total === 0 ? null : this.gather(picked, total);
  }

  /** Rows in range that show and pass the filter, in query order. */
  private visibleRows(rows: SeriesColumns): Uint32Array {
    const { startUs, endUs, order, whereColumns } = this.request;
    const lo = lowerBound(rows.time, rows.count, startUs);
    const hi = lowerBound(rows.time, rows.count, endUs);
    const byName = new Map(rows.columns.map((c) => [c.name, c]));
    const kinds = [...new Set([...this.columns, ...whereColumns])].flatMap((n) => byName.get(n)?.kinds ?? []);
    const passes = this.filter?.({ count: rows.count, time: rows.time, seq: rows.seq, column: (n) => byName.get(n) }, lo, Math.max(lo, hi));
    const out = new Uint32Array(Math.max(0, hi - lo));
    let n = 0;
    for (let k = 0; k < hi - lo; k++) {
      const i = order === 'asc' ? lo + k : hi - 1 - k;
      let shows = false;
      for (let c = 0; c < kinds.length && !shows; c++) shows = kinds[c]![i] !== ValueKind.Null;
      if (shows && (passes === undefined || passes[i] === 1)) out[n++] = i;
    }
    return out.subarray(0, n);
  }

  private gather(picked: readonly { rows: SeriesColumns; selection: Uint32Array }[], total: number): SeriesColumns {
    const time = new Float64Array(total);
    const seq = new Float64Array(total);
    const columns = this.columns.map((name) => allocateColumn(name, total));
    let at = 0;
    for (const { rows, selection } of picked) {
      for (let s = 0; s < selection.length; s++) {
        time[at + s] = rows.time[selection[s]!]!;
        seq[at + s] = rows.seq[selection[s]!]!;
      }
      const byName = new Map(rows.columns.map((c) => [c.name, c]));
      columns.forEach((target) => {
        const source = byName.get(target.name);
        if (source) copyRows(source, selection, target, at);
      });
      at += selection.length;
    }
    return { series: this.request.series, count: total, time, seq, columns };
  }
}

/**
 * Rows `selection` of `source` into `target` from row `at`. Value slots move as 32-bit words
 * (an int64 read as a float may be a NaN pattern a float copy could canonicalise); strings
 * get indices into the target's own table.
 */
export function copyRows(source: Column, selection: Uint32Array, target: Column, at: number): void {
  const from = slotWords(source.floats);
  const to = slotWords(target.floats);
  let strings: Map<number, number> | undefined;
  for (let s = 0; s < selection.length; s++) {
    const row = selection[s]!;
    const kind = source.kinds[row]!;
    target.kinds[at + s] = kind;
    if (kind === ValueKind.String) {
      strings ??= new Map();
      const index = source.floats[row]!;
      let local = strings.get(index);
      if (local === undefined) {
        local = target.strings.push(source.strings[index]!) - 1;
        strings.set(index, local);
      }
      target.floats[at + s] = local;
    } else {
      to[2 * (at + s)] = from[2 * row]!;
      to[2 * (at + s) + 1] = from[2 * row + 1]!;
    }
  }
}
