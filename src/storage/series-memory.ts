import { allocateColumn, rowsBytes, slotWords, ValueKind, type Column, type RowSpan, type SeriesColumns } from './columns.js';
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

/**
 * Rows of all spans, in arrival order, in fresh arrays; columns in order of first appearance.
 * A series gets a few rows from each of many batches, so spans are short: rows are copied by
 * plain loops, without making typed-array views per span, which cost more than the copy.
 */
function gather(series: string, spans: readonly RowSpan[]): SeriesColumns {
  let n = 0;
  for (const span of spans) n += span.count;
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  const columns = new Map<string, { column: Column; words: Uint32Array }>();
  // Spans of one batch share its arrays: one word view per batch, not per span.
  const sourceWords = new Map<Float64Array, Uint32Array>();
  let at = 0;
  for (const span of spans) {
    const count = span.count;
    for (let i = 0; i < count; i++) {
      time[at + i] = span.time[span.timeAt + i]!;
      seq[at + i] = span.seq[span.seqAt + i]!;
    }
    for (const source of span.columns) {
      let target = columns.get(source.name);
      if (!target) {
        const column = allocateColumn(source.name, n);
        target = { column, words: slotWords(column.floats) };
        columns.set(source.name, target);
      }
      let from = sourceWords.get(source.floats);
      if (!from) {
        from = slotWords(source.floats);
        sourceWords.set(source.floats, from);
      }
      const { kinds, floats, strings } = target.column;
      const to = target.words;
      for (let i = 0; i < count; i++) {
        kinds[at + i] = source.kinds[source.kindsAt + i]!;
        to[2 * (at + i)] = from[2 * (source.valuesAt + i)]!;
        to[2 * (at + i) + 1] = from[2 * (source.valuesAt + i) + 1]!;
      }
      if (source.strings.length > 0) {
        const base = strings.length;
        for (const s of source.strings) strings.push(s);
        if (base > 0) {
          for (let i = 0; i < count; i++) {
            if (kinds[at + i] === ValueKind.String) floats[at + i] = floats[at + i]! + base;
          }
        }
      }
    }
    at += count;
  }
  return { series, count: n, time, seq, columns: [...columns.values()].map(({ column }) => column) };
}
