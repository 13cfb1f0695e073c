import { SeriesEntryReader, type WriteBatchEntries } from './write-batch.js';
import { sameRange } from '../util/utf8-names.js';

/** Layouts kept per shard: a few writers with bodies of their own each. */
const MAX_LAYOUTS = 8;
/**
 * Larger batches are not remembered: a layout holds its batch's names, so a few huge bodies
 * would make the kept layouts as large as they are (collectors' requests name far fewer series).
 */
const MAX_LAYOUT_ENTRIES = 8192;

/**
 * Layouts of write batches seen before: which series a batch's entries name, in order, and
 * with which columns. Collectors send the same series in the same order in every request, so
 * most batches repeat a layout; the shard then knows each entry's series by its place, without
 * decoding a name, finding it in a hash table and reading its state, which on a core shared
 * with other threads were cache misses for every series of every batch.
 *
 * A batch matches a layout when its entries' series names and column names are the layout's,
 * byte for byte, compared in one pass along the batch and the layout (memory read in order,
 * which the processor fetches ahead). `T` is what the caller keeps per entry (its series).
 */
export class BatchLayouts<T> {
  private readonly layouts = new Map<string, Layout<T>>();
  private readonly reader = new SeriesEntryReader();

  /** The per-entry values remembered with the batch's layout, or undefined when it has none known. */
  find(batch: WriteBatchEntries): readonly T[] | undefined {
    if (this.layouts.size === 0 || batch.entries.length === 0) return undefined;
    const layout = this.layouts.get(this.keyOf(batch));
    return layout !== undefined && this.matches(layout, batch) ? layout.values : undefined;
  }

  /**
   * Remembers the batch's layout with a value per entry. A layout naming one value twice is not
   * kept: its entries would be applied series by series, out of their order in the batch.
   */
  remember(batch: WriteBatchEntries, values: readonly T[]): void {
    if (batch.entries.length === 0 || batch.entries.length > MAX_LAYOUT_ENTRIES || new Set(values).size !== values.length) return;
    const key = this.keyOf(batch);
    this.layouts.delete(key);
    if (this.layouts.size >= MAX_LAYOUTS) this.layouts.delete(this.layouts.keys().next().value!);
    this.layouts.set(key, { ...this.namesOf(batch), values });
  }

  /** Forgets every layout: the values they hold may be stale. */
  clear(): void {
    this.layouts.clear();
  }

  /** Database, entry count and first series name: few batches share one without sharing the layout. */
  private keyOf(batch: WriteBatchEntries): string {
    const first = this.reader.open(batch.views, batch.entries[0]!).seriesName();
    return `${batch.db}\u0000${batch.entries.length}\u0000${first}`;
  }

  /** Every entry's series name and column names, concatenated, and their lengths (with each entry's column count). */
  private namesOf(batch: WriteBatchEntries): { names: Uint8Array; lengths: Uint32Array } {
    const reader = this.reader;
    const text = batch.views.text;
    const parts: Uint8Array[] = [];
    const lengths: number[] = [];
    for (const entryAt of batch.entries) {
      reader.open(batch.views, entryAt);
      parts.push(text.subarray(reader.nameStart, reader.nameEnd));
      lengths.push(reader.nameEnd - reader.nameStart, reader.columnCount);
      for (let c = 0; c < reader.columnCount; c++) {
        reader.skipColumn();
        parts.push(text.subarray(reader.columnNameStart, reader.columnNameEnd));
        lengths.push(reader.columnNameEnd - reader.columnNameStart);
      }
    }
    return { names: new Uint8Array(Buffer.concat(parts)), lengths: Uint32Array.from(lengths) };
  }

  private matches(layout: Layout<T>, batch: WriteBatchEntries): boolean {
    const { names, lengths } = layout;
    if (batch.entries.length !== layout.values.length) return false;
    const reader = this.reader;
    const text = batch.views.text;
    let at = 0;
    let l = 0;
    for (const entryAt of batch.entries) {
      reader.open(batch.views, entryAt);
      if (!sameAt(names, at, lengths[l]!, text, reader.nameStart, reader.nameEnd) || lengths[l + 1] !== reader.columnCount) return false;
      at += lengths[l]!;
      l += 2;
      for (let c = 0; c < reader.columnCount; c++) {
        reader.skipColumn();
        if (!sameAt(names, at, lengths[l]!, text, reader.columnNameStart, reader.columnNameEnd)) return false;
        at += lengths[l++]!;
      }
    }
    return true;
  }
}

interface Layout<T> {
  readonly names: Uint8Array;
  readonly lengths: Uint32Array;
  readonly values: readonly T[];
}

/** Whether `names[at, at + length)` holds the bytes `text[start, end)`. */
function sameAt(names: Uint8Array, at: number, length: number, text: Uint8Array, start: number, end: number): boolean {
  return end - start === length && sameRange(names, at, text, start, length);
}
