import { constantStringColumn, sharingFloatKinds, slotWords, uniformFloatColumn, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { appendToChunk, chunkBytes, chunkPiece, packChunk, unpackChunk, type MemoryChunk } from './memory-chunk.js';
import { TINY_CHUNK_ROWS } from './tiny-chunk.js';
import { permute, sortOrder } from './row-order.js';
import { combinePieces } from './combine.js';
import { ownArrays, ReusedRows, rowSlab } from './row-slab.js';
import { disjointAscending, overlappingGroups, spanTouches, type Piece } from './series-blocks.js';
import { rangesTouching, type DeletedRange } from './tombstones.js';
import { cutChunk } from './chunk-cut.js';
import { SeriesEntryReader, type BatchViews } from './write-batch.js';
import { sameBytes } from '../util/utf8-names.js';

/**
 * The memtable of one series. A write only records where its series entry lies in its write
 * batch (no copy); the entries are sealed into one sorted chunk in bulk — when the shard seals
 * everything, or when a scan needs this series — so rows are copied once per seal instead of
 * once per request, and a request that brings five points of a series costs two pushes (a
 * reference and a number), not an object that would outlive a scavenge until the seal.
 */
export class SeriesMemory {
  /** Unsealed entries: their batch's views and each entry's byte offset in it. */
  private entryBatches: BatchViews[] = [];
  private entryOffsets: number[] = [];
  private chunks: MemoryChunk[] = [];
  /** Rows held, sealed or not. */
  count = 0;
  /** Bytes of sealed chunks (unsealed entries are counted by the shard as whole batches). */
  sealedBytes = 0;

  /**
   * @param tinyRows a chunk of at most this many rows is tiny (tiny-chunk.ts), and a seal that
   *   keeps the last chunk tiny goes into it; 0 makes every seal a packed chunk of its own.
   */
  constructor(
    readonly series: string,
    private readonly tinyRows = TINY_CHUNK_ROWS,
  ) {}

  /** Records the series entry at `entryAt` of a batch read by readWriteBatch, of `count` rows. */
  append(views: BatchViews, entryAt: number, count: number): void {
    this.entryBatches.push(views);
    this.entryOffsets.push(entryAt);
    this.count += count;
  }

  /** Records the entry at `offsets[k]` of each batch `batches[k]`, in that order. */
  appendEntries(batches: readonly BatchViews[], offsets: readonly number[]): void {
    for (let k = 0; k < offsets.length; k++) this.append(batches[k]!, offsets[k]!, countReader.open(batches[k]!, offsets[k]!).count);
  }

  get hasUnsealed(): boolean {
    return this.entryOffsets.length > 0;
  }

  /** Sorted chunks, oldest first, after sealing what is unsealed. */
  sealedChunks(): readonly MemoryChunk[] {
    this.seal();
    return this.chunks;
  }

  /**
   * The sealed chunks as pieces, oldest first: for a flush, which reads them once (its block
   * writer merges the chunks that overlap, as a scan would).
   */
  pieces(): readonly Piece[] {
    this.seal();
    const pieces: Piece[] = [];
    for (const chunk of this.chunks) if (chunk.count > 0) pieces.push(chunkPiece(chunk));
    return pieces;
  }

  /**
   * The sealed chunks as pieces for a scan of [startUs, endUs): settled (in time order and
   * apart) when the scan reads at least half the rows, as the ones after it may too. Settling
   * merges every chain of chunks that overlap, and after concurrent writes the chunks of
   * successive seals overlap at their edges in one chain across the whole memtable: the first
   * count over the last hour after 10 M points were written merged every series' memtable,
   * about 300 ms of each shard. A scan of less merges only the chunks it reads (seriesBlocks).
   */
  settledPieces(startUs = -Infinity, endUs = Infinity): readonly Piece[] {
    this.seal();
    if (2 * this.rowsTouching(startUs, endUs) >= this.count) this.settle();
    return this.pieces();
  }

  /** Rows of the chunks with times in [startUs, endUs). */
  private rowsTouching(startUs: number, endUs: number): number {
    let rows = 0;
    for (const chunk of this.chunks) if (spanTouches(chunk, startUs, endUs)) rows += chunk.count;
    return rows;
  }

  /**
   * Chunks whose times overlap merged into one, so every chunk lies apart from the others.
   * Concurrent writers make the chunks of successive seals overlap at their edges, and a scan
   * merged each such group (a sort and two copies of its rows) every time it read the series;
   * now the first scan does it for the ones that follow. Seals do not settle: each would
   * merge its chunk into the one before, copying a series' rows again at every seal.
   * A merged chunk's arrays are its own, not carved, so a series settled again frees the
   * chunk it merged before. A sealed chunk it replaces was carved from slab blocks that other
   * series' chunks share, which hold it until the flush: its bytes stay counted, so the
   * memtable still flushes at `memtable_size` of memory actually held.
   */
  private settle(): void {
    if (disjointAscending(this.chunks)) return;
    const settled: MemoryChunk[] = [];
    for (const group of overlappingGroups(this.chunks)) {
      if (group.length === 1) {
        settled.push(group[0]!);
        continue;
      }
      const merged = this.mergedChunk(combinePieces(this.series, group.map(unpackChunk)));
      for (const chunk of group) {
        this.count -= chunk.count;
        if (chunk.ownsMemory) this.sealedBytes -= chunkBytes(chunk);
      }
      this.count += merged.count;
      this.sealedBytes += chunkBytes(merged);
      settled.push(merged);
    }
    this.chunks = settled;
  }

  /** Add an already sorted chunk after everything held (a failed flush giving rows back). */
  appendChunk(chunk: MemoryChunk): void {
    this.seal();
    this.chunks.push(chunk);
    this.count += chunk.count;
    this.sealedBytes += chunkBytes(chunk);
  }

  /** Drop the rows whose time lies in `ranges` (a delete); returns the change of sealedBytes. */
  deleteRanges(ranges: readonly DeletedRange[]): number {
    this.seal();
    const before = this.sealedBytes;
    for (let i = 0; i < this.chunks.length; ) {
      const chunk = this.chunks[i]!;
      const touching = rangesTouching(ranges, chunk);
      const cut = touching.length === 0 ? chunk : cutChunk(chunk, touching, rowSlab, this.tinyRows);
      if (cut === chunk) {
        i++;
        continue;
      }
      this.count -= chunk.count - (cut?.count ?? 0);
      this.sealedBytes += (cut === null ? 0 : chunkBytes(cut)) - chunkBytes(chunk);
      if (cut === null) {
        this.chunks.splice(i, 1);
        continue;
      }
      this.chunks[i++] = cut;
    }
    return this.sealedBytes - before;
  }

  /** Copy the unsealed entries into one chunk sorted by (time, sequence number). */
  seal(): void {
    if (this.entryOffsets.length === 0) return;
    const rows = gather(this.series, this.entryBatches, this.entryOffsets);
    this.entryBatches = [];
    this.entryOffsets = [];
    this.sealRows(rows);
  }

  /**
   * Seal the unsealed entries and then the entries at `offsets` of `batches` (one each, in
   * arrival order), which were never appended: batches of a known layout, sealed in bulk.
   */
  sealWith(batches: readonly BatchViews[], offsets: readonly number[]): void {
    if (this.entryOffsets.length > 0) {
      this.appendEntries(batches, offsets);
      this.seal();
      return;
    }
    const rows = gather(this.series, batches, offsets);
    this.count += rows.count;
    this.sealRows(rows);
  }

  private sealRows(rows: SeriesColumns): void {
    const sorted = isSorted(rows) ? rows : permute(rows, sortOrder(rows.time, rows.seq, rows.count));
    const last = this.chunks.at(-1);
    if (last !== undefined && last.count > 0 && last.count + sorted.count <= this.tinyRows) {
      // A series that gets a point or two a seal keeps one chunk, not one per seal (tiny-chunk.ts).
      const merged = appendToChunk(last, sorted) ?? this.mergedChunk(combinePieces(this.series, [unpackChunk(last), sorted]));
      this.count += merged.count - last.count - sorted.count;
      if (last.ownsMemory) this.sealedBytes -= chunkBytes(last);
      this.sealedBytes += chunkBytes(merged);
      this.chunks[this.chunks.length - 1] = merged;
      return;
    }
    const chunk = packChunk(sorted, rowSlab, this.tinyRows);
    // A literal holds one chunk in one slot; a push onto an empty array reserves seventeen.
    if (this.chunks.length === 0) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.sealedBytes += chunkBytes(chunk);
  }

  /** Merged rows as a chunk of their own arrays (a float column goes back to shared kinds). */
  private mergedChunk(rows: SeriesColumns): MemoryChunk {
    const columns = rows.columns.map((column) => sharingFloatKinds(column, rows.count));
    return packChunk({ ...rows, columns }, ownArrays, this.tinyRows);
  }
}

/**
 * Times, sequence numbers and columns' value slots as gathered, before a seal packs or copies
 * them (packChunk): one buffer per thread, reused seal after seal, since a seal is done with
 * it before the next one runs. A series with more rows in one seal (a single large write)
 * gets arrays of its own, freed after the seal, so the thread does not keep the largest
 * seal's size for good.
 */
const KEPT_GATHER_ROWS = 64 * 1024;
/** Reads an appended entry's row count (one reader: a memtable belongs to one thread). */
const countReader = new SeriesEntryReader();
/** Room for times, sequence numbers and one column of KEPT_GATHER_ROWS rows. */
const gatherRows = new ReusedRows(3 * 8 * KEPT_GATHER_ROWS);

/**
 * timeOrderedEntries' arrays, kept from seal to seal (a seal reads them before the next one
 * runs; the thread is the shard's alone): three small arrays per series per seal were three
 * backing stores to allocate, more than the rest of the ordering cost.
 */
let scratch = { order: new Uint32Array(256), first: new Float64Array(512), last: new Float64Array(512) };

/** How many places an entry may move back in timeOrderedEntries, per entry, before it gives up. */
const MAX_MOVES_PER_ENTRY = 4;

/**
 * Entry indices (the first `entries.length` of the returned array, which is reused by the
 * next call) in an order whose rows, copied one entry after another, are sorted by (time,
 * sequence number) — or null when some entry is unsorted inside, two entries overlap, or the
 * entries arrived too far out of order (then the rows are copied in arrival order and sorted).
 * Concurrent writers deliver a series' batches slightly out of order, each entry sorted and
 * apart from the others in time: putting the entries in order spares sorting the rows and
 * copying them a second time. An insertion sort, since arrival order is nearly right.
 */
function timeOrderedEntries(reader: SeriesEntryReader, batches: readonly BatchViews[], entries: readonly number[]): Uint32Array | null {
  const m = entries.length;
  if (scratch.order.length < m) scratch = { order: new Uint32Array(2 * m), first: new Float64Array(4 * m), last: new Float64Array(4 * m) };
  const { order, first, last } = scratch;
  let movesLeft = MAX_MOVES_PER_ENTRY * m;
  for (let k = 0; k < m; k++) {
    const { f64 } = batches[k]!;
    const { timeAt, count } = reader.open(batches[k]!, entries[k]!);
    if (count === 0) return null;
    const seqAt = timeAt + count;
    for (let i = 1; i < count; i++) {
      const t = f64[timeAt + i]!;
      const previous = f64[timeAt + i - 1]!;
      if (t < previous || (t === previous && f64[seqAt + i]! < f64[seqAt + i - 1]!)) return null;
    }
    first[2 * k] = f64[timeAt]!;
    first[2 * k + 1] = f64[seqAt]!;
    last[2 * k] = f64[timeAt + count - 1]!;
    last[2 * k + 1] = f64[seqAt + count - 1]!;
    let j = k;
    for (; j > 0 && keyBefore(first, k, first, order[j - 1]!); j--) {
      if (--movesLeft < 0) return null;
      order[j] = order[j - 1]!;
    }
    order[j] = k;
  }
  // Strictly apart: rows with equal keys in two entries keep arrival order only through the sort.
  for (let j = 1; j < m; j++) if (!keyBefore(last, order[j - 1]!, first, order[j]!)) return null;
  return order;
}

/** Whether key a of `keysA` (time, seq at 2a, 2a + 1) comes strictly before key b of `keysB`. */
function keyBefore(keysA: Float64Array, a: number, keysB: Float64Array, b: number): boolean {
  const ta = keysA[2 * a]!;
  const tb = keysB[2 * b]!;
  return ta < tb || (ta === tb && keysA[2 * a + 1]! < keysB[2 * b + 1]!);
}

function isSorted(rows: SeriesColumns): boolean {
  const { time, seq } = rows;
  for (let i = 1; i < rows.count; i++) {
    if (time[i]! < time[i - 1]! || (time[i] === time[i - 1] && seq[i]! < seq[i - 1]!)) return false;
  }
  return true;
}

/**
 * A column being gathered. While every entry so far gave it one and the same string in every
 * row (a line-protocol tag), no rows are carved for it: it covers rows [from, to) with the
 * string `bytes` holds, and ends as a constant column when that is all of the chunk's rows.
 * The first entry that breaks this carves its value slots. Its kinds are carved only once a
 * row is not a float: until then every row in [0, floatsTo) holds one, and a column that stays
 * so ends as a uniform float column, its kinds shared (columns.ts).
 */
interface GatheredColumn {
  floats: Float64Array | undefined;
  words: Uint32Array | undefined;
  kinds: Uint8Array | undefined;
  floatsTo: number;
  readonly strings: string[];
  from: number;
  to: number;
  /** The repeated string's UTF-8 bytes (a view into the batch it was first read from), and the string. */
  bytes: Uint8Array | undefined;
  value: string;
}

/**
 * Rows of all entries in fresh arrays, columns in order of first appearance: in time order when
 * the entries can be put in an order that gives it (timeOrderedEntries), else in arrival order.
 * A series gets a few rows from each of many batches, so entries are short: rows are copied by
 * plain loops over the batches' own views, without making an object or a view per entry.
 */
function gather(series: string, batches: readonly BatchViews[], entries: readonly number[]): SeriesColumns {
  gatherRows.reset();
  const reader = new SeriesEntryReader();
  let n = 0;
  for (let k = 0; k < entries.length; k++) {
    reader.open(batches[k]!, entries[k]!);
    n += reader.count;
  }
  const order = timeOrderedEntries(reader, batches, entries);
  const time = gatherRows.floats(n);
  const seq = gatherRows.floats(n);
  const columns = new Map<string, GatheredColumn>();
  let at = 0;
  for (let e = 0; e < entries.length; e++) {
    const k = order === null ? e : order[e]!;
    const views = batches[k]!;
    reader.open(views, entries[k]!);
    const { count, timeAt } = reader;
    const { f64, words: from, text } = views;
    for (let i = 0; i < count; i++) {
      time[at + i] = f64[timeAt + i]!;
      seq[at + i] = f64[timeAt + count + i]!;
    }
    for (let c = 0; c < reader.columnCount; c++) {
      reader.nextColumn();
      let target = columns.get(reader.columnName);
      if (!target) {
        target = { floats: undefined, words: undefined, kinds: undefined, floatsTo: 0, strings: [], from: at, to: at, bytes: undefined, value: '' };
        columns.set(reader.columnName, target);
      }
      if (target.floats === undefined) {
        if (target.to === at && repeatsString(target, reader, text)) {
          target.to += count;
          continue;
        }
        carveSlots(target, n);
      }
      const { floats, strings } = target;
      if (reader.constant) {
        const kinds = target.kinds ?? carveKinds(target, n);
        // Carved slots are zero: only a string that is not the column's first needs its index.
        const index = strings.length;
        reader.pushStrings(strings);
        kinds.fill(ValueKind.String, at, at + count);
        if (index > 0) floats!.fill(index, at, at + count);
        continue;
      }
      const to = target.words!;
      const { valuesAt, kindsAt } = reader;
      let kinds = target.kinds;
      if (kinds === undefined && (target.floatsTo !== at || !allFloats(text, kindsAt, count))) kinds = carveKinds(target, n);
      for (let i = 0; i < count; i++) {
        to[2 * (at + i)] = from[2 * (valuesAt + i)]!;
        to[2 * (at + i) + 1] = from[2 * (valuesAt + i) + 1]!;
      }
      if (kinds === undefined) {
        target.floatsTo = at + count;
        continue;
      }
      for (let i = 0; i < count; i++) kinds[at + i] = text[kindsAt + i]!;
      if (reader.stringCount > 0) {
        const base = strings.length;
        reader.pushStrings(strings);
        if (base > 0) {
          for (let i = 0; i < count; i++) {
            if (kinds[at + i] === ValueKind.String) floats![at + i] = floats![at + i]! + base;
          }
        }
      }
    }
    at += count;
  }
  const gathered: Column[] = [];
  for (const [name, target] of columns) gathered.push(finishColumn(name, target, n));
  return { series, count: n, time, seq, columns: gathered };
}

/** The gathered column as the chunk keeps it: constant, uniform float, or with kinds of its own. */
function finishColumn(name: string, target: GatheredColumn, n: number): Column {
  if (target.floats === undefined) {
    if (target.from === 0 && target.to === n) return constantStringColumn(name, target.value, n);
    carveSlots(target, n);
  }
  const floats = target.floats!;
  if (target.kinds === undefined && target.floatsTo === n) return uniformFloatColumn(name, floats);
  const kinds = target.kinds ?? carveKinds(target, n);
  return { name, kinds, floats, ints: new BigInt64Array(floats.buffer, floats.byteOffset, n), strings: target.strings };
}

function allFloats(text: Buffer, kindsAt: number, count: number): boolean {
  for (let i = 0; i < count; i++) if (text[kindsAt + i] !== ValueKind.Float) return false;
  return true;
}

/**
 * Whether the reader's current column holds one string in every row, the same as the rows
 * `target` covers so far (or, when it covers none yet, any one string, which it then takes).
 */
function repeatsString(target: GatheredColumn, reader: SeriesEntryReader, text: Buffer): boolean {
  const stringAt = reader.onlyStringAt();
  if (stringAt < 0) return false;
  const start = stringAt + 4;
  const end = start + text.readUInt32LE(stringAt);
  if (target.bytes !== undefined) return sameBytes(target.bytes, text, start, end);
  if (target.to !== target.from) return false;
  target.bytes = text.subarray(start, end);
  target.value = text.toString('utf8', start, end);
  return true;
}

/**
 * Value slots carved for `target`, which stops being a repeated string. Its kinds wait (see
 * GatheredColumn) only when it has no rows yet and starts at the chunk's first row; rows it
 * covered with its string, or rows before it (null), need them now.
 */
function carveSlots(target: GatheredColumn, n: number): void {
  // Zeroed: a string column's first string is slot 0, and rows before the column are null.
  target.floats = gatherRows.floats(n).fill(0);
  target.words = slotWords(target.floats);
  if (target.from === 0 && target.to === 0) return;
  const kinds = carveKinds(target, n);
  if (target.to > target.from) {
    target.strings.push(target.value);
    kinds.fill(ValueKind.String, target.from, target.to);
  }
}

/** Kinds carved for `target`: Float for the rows [0, floatsTo) it held as floats so far, null after. */
function carveKinds(target: GatheredColumn, n: number): Uint8Array {
  const kinds = rowSlab.bytes(n);
  kinds.fill(ValueKind.Float, 0, target.floatsTo);
  target.kinds = kinds;
  return kinds;
}
