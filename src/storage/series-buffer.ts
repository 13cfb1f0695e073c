import { allocateColumn, ValueKind, type Column, type RowSpan, type SeriesColumns } from './columns.js';

const FIRST_BLOCK_ROWS = 64;
const MAX_BLOCK_ROWS = 16_384;

/** A fixed-capacity run of rows; columns appear in a block when first written there. */
interface Block {
  count: number;
  readonly capacity: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: Map<string, Column>;
}

/**
 * The memtable of one series: rows copied from write batches into blocks of growing size.
 * A full block is never copied again (no doubling and re-copying), and copies are plain
 * loops because a batch usually brings only a few rows of each series.
 */
export class SeriesBuffer {
  count = 0;
  byteSize = 0;
  private readonly blocks: Block[] = [];
  /** Columns in order of first appearance. */
  private readonly columnNames: string[] = [];
  private sorted = true;
  private lastTime = -Infinity;

  constructor(readonly series: string) {}

  append(rows: RowSpan): void {
    let from = 0;
    while (from < rows.count) {
      const block = this.writableBlock(rows.count - from);
      const n = Math.min(rows.count - from, block.capacity - block.count);
      this.copyInto(block, rows, from, n);
      from += n;
    }
  }

  private writableBlock(wanted: number): Block {
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.count < last.capacity) return last;
    const previous = last?.capacity ?? FIRST_BLOCK_ROWS / 2;
    const capacity = Math.min(MAX_BLOCK_ROWS, Math.max(previous * 2, Math.min(wanted, MAX_BLOCK_ROWS)));
    const block: Block = { count: 0, capacity, time: new Float64Array(capacity), seq: new Float64Array(capacity), columns: new Map() };
    this.blocks.push(block);
    this.byteSize += capacity * 16;
    return block;
  }

  private copyInto(block: Block, rows: RowSpan, from: number, n: number): void {
    const at = block.count;
    const { time, seq } = rows;
    const timeAt = rows.timeAt + from;
    const seqAt = rows.seqAt + from;
    for (let i = 0; i < n; i++) {
      const t = time[timeAt + i]!;
      if (t < this.lastTime) this.sorted = false;
      this.lastTime = t;
      block.time[at + i] = t;
      block.seq[at + i] = seq[seqAt + i]!;
    }
    for (const source of rows.columns) {
      let target = block.columns.get(source.name);
      if (!target) {
        target = allocateColumn(source.name, block.capacity);
        block.columns.set(source.name, target);
        this.byteSize += block.capacity * 9;
        if (!this.columnNames.includes(source.name)) this.columnNames.push(source.name);
      }
      const { kinds, floats } = source;
      const kindsAt = source.kindsAt + from;
      const valuesAt = source.valuesAt + from;
      const base = target.strings.length;
      for (let i = 0; i < n; i++) {
        const kind = kinds[kindsAt + i]!;
        target.kinds[at + i] = kind;
        target.floats[at + i] = kind === ValueKind.String ? floats[valuesAt + i]! + base : floats[valuesAt + i]!;
      }
      if (source.strings.length > 0) for (const s of source.strings) target.strings.push(s);
    }
    block.count += n;
    this.count += n;
  }

  /** All rows sorted by (time, sequence number), in fresh arrays. */
  snapshot(): SeriesColumns {
    const n = this.count;
    const time = new Float64Array(n);
    const seq = new Float64Array(n);
    const columns = this.columnNames.map((name) => allocateColumn(name, n));
    let at = 0;
    for (const block of this.blocks) {
      time.set(block.time.subarray(0, block.count), at);
      seq.set(block.seq.subarray(0, block.count), at);
      for (const target of columns) {
        const source = block.columns.get(target.name);
        if (!source) continue;
        const base = target.strings.length;
        target.kinds.set(source.kinds.subarray(0, block.count), at);
        for (let i = 0; i < block.count; i++) {
          target.floats[at + i] = source.kinds[i] === ValueKind.String ? source.floats[i]! + base : source.floats[i]!;
        }
        for (const s of source.strings) target.strings.push(s);
      }
      at += block.count;
    }
    const rows: SeriesColumns = { series: this.series, count: n, time, seq, columns };
    return this.sorted ? rows : permute(rows, sortOrder(time, seq, n));
  }
}

/**
 * Row indices ordered by (time, seq), ties kept in arrival order. A natural merge sort: rows
 * arrive nearly sorted (concurrent writers only swap neighbouring batches), so it finds the
 * ascending runs and merges them pairwise, O(n log runs) with the comparisons inline.
 */
export function sortOrder(time: Float64Array, seq: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const before = (a: number, b: number): boolean => time[a]! < time[b]! || (time[a] === time[b] && seq[a]! < seq[b]!);
  let bounds = [0];
  for (let i = 1; i < n; i++) if (before(i, i - 1)) bounds.push(i);
  bounds.push(n);
  let spare = new Uint32Array(n);
  while (bounds.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r]!;
      const mid = bounds[r + 1]!;
      const hi = r + 2 < bounds.length ? bounds[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      // On equal keys the left run wins, which keeps arrival order (the sort is stable).
      while (i < mid && j < hi) spare[k++] = before(order[j]!, order[i]!) ? order[j++]! : order[i++]!;
      while (i < mid) spare[k++] = order[i++]!;
      while (j < hi) spare[k++] = order[j++]!;
      merged.push(hi);
    }
    [order, spare] = [spare, order];
    bounds = merged;
  }
  return order;
}

/** Gather rows in the given order into fresh arrays. */
export function permute(rows: SeriesColumns, order: Uint32Array): SeriesColumns {
  const n = order.length;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = rows.time[order[i]!]!;
    seq[i] = rows.seq[order[i]!]!;
  }
  const columns = rows.columns.map((source) => {
    const target = allocateColumn(source.name, n);
    for (let i = 0; i < n; i++) {
      target.kinds[i] = source.kinds[order[i]!]!;
      target.floats[i] = source.floats[order[i]!]!;
    }
    for (const s of source.strings) target.strings.push(s);
    return target;
  });
  return { series: rows.series, count: n, time, seq, columns };
}
