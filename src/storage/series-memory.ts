import { allocateColumn, rowsBytes, ValueKind, type Column, type RowSpan, type SeriesColumns } from './columns.js';
import { permute, sortOrder } from './row-order.js';
import { withoutRanges, type DeletedRange } from './tombstones.js';

/**
 * The memtable of one series. A write only records a span over its write batch (no copy);
 * the spans are sealed into one sorted chunk in bulk — when the shard seals everything, or
 * when a scan needs this series — so rows are copied once per seal instead of once per
 * request, and a request that brings five points of a series costs a push, not an allocation.
 */
export class SeriesMemory {
  private spans: RowSpan[] = [];
  private readonly chunks: SeriesColumns[] = [];
  /** Rows held, sealed or not. */
  count = 0;
  /** Bytes of sealed chunks (unsealed spans are counted by the shard as whole batches). */
  sealedBytes = 0;

  constructor(readonly series: string) {}

  append(span: RowSpan): void {
    this.spans.push(span);
    this.count += span.count;
  }

  get hasUnsealed(): boolean {
    return this.spans.length > 0;
  }

  /** Sorted chunks, oldest first, after sealing what is unsealed. */
  pieces(): readonly SeriesColumns[] {
    this.seal();
    return this.chunks;
  }

  /** Add an already sorted chunk after everything held (a failed flush giving rows back). */
  appendChunk(chunk: SeriesColumns): void {
    this.seal();
    this.chunks.push(chunk);
    this.count += chunk.count;
    this.sealedBytes += rowsBytes(chunk);
  }

  /** Drop the rows whose time lies in `ranges` (a delete); returns the change of sealedBytes. */
  deleteRanges(ranges: readonly DeletedRange[]): number {
    this.seal();
    const before = this.sealedBytes;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const kept = withoutRanges(chunk, ranges);
      if (kept === chunk) continue;
      this.chunks[i] = kept;
      this.count -= chunk.count - kept.count;
      this.sealedBytes += rowsBytes(kept) - rowsBytes(chunk);
    }
    return this.sealedBytes - before;
  }

  /** Copy the unsealed spans into one chunk sorted by (time, sequence number). */
  seal(): void {
    if (this.spans.length === 0) return;
    const chunk = gather(this.series, this.spans);
    this.spans = [];
    const sorted = isSorted(chunk) ? chunk : permute(chunk, sortOrder(chunk.time, chunk.seq, chunk.count));
    this.chunks.push(sorted);
    this.sealedBytes += rowsBytes(sorted);
  }
}

function isSorted(rows: SeriesColumns): boolean {
  const { time, seq } = rows;
  for (let i = 1; i < rows.count; i++) {
    if (time[i]! < time[i - 1]! || (time[i] === time[i - 1] && seq[i]! < seq[i - 1]!)) return false;
  }
  return true;
}

/** Rows of all spans, in arrival order, in fresh arrays; columns in order of first appearance. */
function gather(series: string, spans: readonly RowSpan[]): SeriesColumns {
  let n = 0;
  for (const span of spans) n += span.count;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  const columns = new Map<string, Column>();
  let at = 0;
  for (const span of spans) {
    time.set(span.time.subarray(span.timeAt, span.timeAt + span.count), at);
    seq.set(span.seq.subarray(span.seqAt, span.seqAt + span.count), at);
    for (const source of span.columns) {
      let target = columns.get(source.name);
      if (!target) {
        target = allocateColumn(source.name, n);
        columns.set(source.name, target);
      }
      target.kinds.set(source.kinds.subarray(source.kindsAt, source.kindsAt + span.count), at);
      // Copied as bytes: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
      const slots = new Uint8Array(source.floats.buffer, source.floats.byteOffset + source.valuesAt * 8, span.count * 8);
      new Uint8Array(target.floats.buffer).set(slots, at * 8);
      if (source.strings.length > 0) {
        const base = target.strings.length;
        for (const s of source.strings) target.strings.push(s);
        if (base > 0) {
          for (let i = 0; i < span.count; i++) {
            if (target.kinds[at + i] === ValueKind.String) target.floats[at + i] = target.floats[at + i]! + base;
          }
        }
      }
    }
    at += span.count;
  }
  return { series, count: n, time, seq, columns: [...columns.values()] };
}
