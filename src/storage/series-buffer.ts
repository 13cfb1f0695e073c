import { allocateColumn, type Column, type SeriesColumns } from './columns.js';

/**
 * The memtable of one series: growable typed-array columns that accept rows in any order.
 * Rows are copied in from decoded write batches; readers get a time-sorted snapshot.
 */
export class SeriesBuffer {
  count = 0;
  private capacity: number;
  private time: Float64Array;
  private seq: Float64Array;
  private readonly columns = new Map<string, Column>();
  private sorted = true;

  constructor(readonly series: string, initialCapacity = 64) {
    this.capacity = initialCapacity;
    this.time = new Float64Array(initialCapacity);
    this.seq = new Float64Array(initialCapacity);
  }

  /** Bytes held, for the flush threshold: time + seq + (kind + slot) per column row. */
  get byteSize(): number {
    return this.capacity * (16 + 9 * this.columns.size);
  }

  append(rows: SeriesColumns): void {
    const n = rows.count;
    if (n === 0) return;
    this.ensureCapacity(this.count + n);
    const at = this.count;
    if (this.sorted && at > 0 && rows.time[0]! < this.time[at - 1]!) this.sorted = false;
    this.time.set(rows.time.subarray(0, n), at);
    this.seq.set(rows.seq.subarray(0, n), at);
    if (this.sorted) {
      for (let i = 1; i < n; i++) {
        if (rows.time[i]! < rows.time[i - 1]!) {
          this.sorted = false;
          break;
        }
      }
    }
    for (const source of rows.columns) {
      let target = this.columns.get(source.name);
      if (!target) {
        target = allocateColumn(source.name, this.capacity);
        this.columns.set(source.name, target);
      }
      target.kinds.set(source.kinds.subarray(0, n), at);
      target.floats.set(source.floats.subarray(0, n), at);
      if (source.strings.length > 0) {
        const base = target.strings.length;
        for (const s of source.strings) target.strings.push(s);
        for (let i = 0; i < n; i++) {
          if (source.kinds[i] === 4) target.floats[at + i] = source.floats[i]! + base;
        }
      }
    }
    this.count += n;
  }

  /** The rows sorted by (time, sequence number); copies, so the buffer can keep growing. */
  snapshot(): SeriesColumns {
    const n = this.count;
    const columns = [...this.columns.values()];
    if (this.sorted) {
      return {
        series: this.series,
        count: n,
        time: this.time.slice(0, n),
        seq: this.seq.slice(0, n),
        columns: columns.map((c) => copyColumn(c, n)),
      };
    }
    return permute(
      { series: this.series, count: n, time: this.time, seq: this.seq, columns },
      sortOrder(this.time, this.seq, n),
    );
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    this.time = grow(this.time, capacity);
    this.seq = grow(this.seq, capacity);
    for (const [name, column] of this.columns) {
      const bigger = allocateColumn(name, capacity);
      bigger.kinds.set(column.kinds);
      bigger.floats.set(column.floats);
      for (const s of column.strings) bigger.strings.push(s);
      this.columns.set(name, bigger);
    }
    this.capacity = capacity;
  }
}

function grow(array: Float64Array, capacity: number): Float64Array {
  const bigger = new Float64Array(capacity);
  bigger.set(array);
  return bigger;
}

function copyColumn(column: Column, n: number): Column {
  const copy = allocateColumn(column.name, n);
  copy.kinds.set(column.kinds.subarray(0, n));
  copy.floats.set(column.floats.subarray(0, n));
  for (const s of column.strings) copy.strings.push(s);
  return copy;
}

/** Row indices ordered by (time, seq). */
export function sortOrder(time: Float64Array, seq: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => time[a]! - time[b]! || seq[a]! - seq[b]! || a - b);
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
