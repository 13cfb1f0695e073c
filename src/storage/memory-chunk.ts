import { columnsBytes, type Column, type SeriesColumns } from './columns.js';
import { strictlyIncreasing } from './combine.js';
import { packNumbers, packedBytes, unpackNumbers, type PackedNumbers } from './packed-numbers.js';
import { ownArrays, RowSlab, type ArrayCarver } from './row-slab.js';
import type { Piece } from './series-blocks.js';
import { appendTiny, packTiny, tinyBytes, TINY_CHUNK_ROWS, unpackTiny, type TinyRows } from './tiny-chunk.js';

/**
 * A sealed memtable chunk: rows sorted by (time, sequence number). A chunk of a few rows is
 * held in two arrays (tiny-chunk.ts); a larger one as its times and sequence numbers packed
 * (packed-numbers.ts) and its columns as sealed. Either is unpacked into fresh arrays each
 * time a scan or a flush loads it: a reader holds one chunk's rows at a time, while the
 * memtable holds every chunk until the flush that writes it out.
 */
export type MemoryChunk = PackedChunk | TinyChunk;

interface ChunkBounds {
  readonly series: string;
  readonly count: number;
  readonly minTime: number;
  readonly maxTime: number;
  /** No two rows share (time, sequence number): a scan may use the rows as loaded (Piece.sorted). */
  readonly strictlyIncreasing: boolean;
  /**
   * Its arrays are its own (packed with `ownArrays`, from columns a merge made, or tiny), so
   * dropping it frees them; otherwise a slab holds them until every chunk carved with them is gone.
   */
  readonly ownsMemory: boolean;
}

export interface PackedChunk extends ChunkBounds {
  readonly tiny?: undefined;
  readonly time: PackedNumbers;
  readonly seq: PackedNumbers;
  readonly columns: Column[];
}

interface TinyChunk extends ChunkBounds {
  readonly tiny: TinyRows;
}

/**
 * What a packed chunk's objects take beside its rows, roughly (V8 on x64): the chunk and its
 * two packed number runs, and per column an object, three typed-array views and a string
 * list. Counted so that memory really held decides when the memtable is full.
 */
const PACKED_OBJECT_BYTES = 600;
const COLUMN_OBJECT_BYTES = 500;

/** What chunkBytes counts for a packed chunk's objects, beside its rows. */
export function packedObjectBytes(columnCount: number): number {
  return PACKED_OBJECT_BYTES + COLUMN_OBJECT_BYTES * columnCount;
}

/**
 * Sorted rows as a chunk; their time and seq arrays are copied, so they may be reused after.
 * At most `tinyRows` rows make a tiny chunk.
 */
export function packChunk(rows: SeriesColumns, arrays: ArrayCarver, tinyRows = TINY_CHUNK_ROWS): MemoryChunk {
  const { series, count, columns } = rows;
  const minTime = count === 0 ? Infinity : rows.time[0]!;
  const maxTime = count === 0 ? -Infinity : rows.time[count - 1]!;
  const increasing = strictlyIncreasing(rows);
  // Literals, not a spread of the shared fields: V8 gives a spread object a slower shape five times the size.
  if (count > 0 && count <= tinyRows) return { series, count, minTime, maxTime, strictlyIncreasing: increasing, ownsMemory: true, tiny: packTiny(rows) };
  const time = packNumbers(rows.time, arrays);
  const seq = packNumbers(rows.seq, arrays);
  return { series, count, minTime, maxTime, strictlyIncreasing: increasing, ownsMemory: arrays === ownArrays, time, seq, columns };
}

/**
 * `chunk` with `rows` (sorted, none before its last) after it, when it is tiny and stays tiny
 * (appendTiny); null when it cannot be done that way.
 */
export function appendToChunk(chunk: MemoryChunk, rows: SeriesColumns): MemoryChunk | null {
  const n = rows.count;
  if (chunk.tiny === undefined || n === 0 || chunk.count + n > TINY_CHUNK_ROWS) return null;
  const tiny = appendTiny(chunk.tiny, chunk.count, rows);
  if (tiny === null) return null;
  const { series, minTime } = chunk;
  const increasing = chunk.strictlyIncreasing && strictlyIncreasing(rows);
  return { series, count: chunk.count + n, minTime, maxTime: rows.time[n - 1]!, strictlyIncreasing: increasing, ownsMemory: true, tiny };
}

/**
 * Where loads unpack to: a scan loads every chunk of every series it reads, and an array
 * apiece was an allocation and a backing store per chunk; carved, it is one per MiB.
 */
const unpacked = new RowSlab();

/** The chunk's rows, times and sequence numbers in arrays of their own. */
export function unpackChunk(chunk: MemoryChunk): SeriesColumns {
  const n = chunk.count;
  if (chunk.tiny !== undefined) return unpackTiny(chunk.tiny, chunk.series, n);
  const numbers = unpacked.floats(2 * n);
  const time = numbers.subarray(0, n);
  const seq = numbers.subarray(n);
  unpackNumbers(chunk.time, time);
  unpackNumbers(chunk.seq, seq);
  return { series: chunk.series, count: n, time, seq, columns: chunk.columns };
}

/** Memory the chunk holds: its rows (as rowsBytes counts them) and its objects. */
export function chunkBytes(chunk: MemoryChunk): number {
  if (chunk.tiny !== undefined) return tinyBytes(chunk.tiny);
  return packedObjectBytes(chunk.columns.length) + packedBytes(chunk.time) + packedBytes(chunk.seq) + columnsBytes(chunk.count, chunk.columns);
}

/** The chunk as a scan or a flush reads it: loaded (unpacked) only when reached. */
export function chunkPiece(chunk: MemoryChunk): Piece {
  const { minTime, maxTime, count } = chunk;
  return { minTime, maxTime, count, ...(chunk.strictlyIncreasing ? { sorted: true } : {}), load: () => unpackChunk(chunk) };
}

