import { columnsBytes, isConstantColumn, onlyFloats, slotWords, uniformFloatColumn, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { strictlyIncreasing } from './combine.js';
import { packDecimals, packNumbers, packedBytes, unpackNumbers, type PackedNumbers } from './packed-numbers.js';
import { ownArrays, RowSlab, type ArrayCarver } from './row-slab.js';
import type { Piece } from './series-blocks.js';
import { appendTiny, packTiny, tinyBytes, TINY_CHUNK_ROWS, unpackTiny, type TinyRows } from './tiny-chunk.js';

/**
 * A sealed memtable chunk: rows sorted by (time, sequence number). A chunk of a few rows is
 * held in two arrays (tiny-chunk.ts); a larger one as its times and sequence numbers packed
 * (packed-numbers.ts), its all-float columns packed as decimals where they are, and its other
 * columns as sealed. Either is unpacked into fresh arrays each time a scan or a flush loads
 * it: a reader holds one chunk's rows at a time, while the memtable holds every chunk until
 * the flush that writes it out.
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
  readonly columns: ChunkColumn[];
}

/** A column as a packed chunk holds it: as sealed, or a float in every row packed as decimals. */
export type ChunkColumn = Column | PackedFloatColumn;

export interface PackedFloatColumn {
  readonly name: string;
  readonly packed: PackedNumbers;
}

export function isPackedFloatColumn(column: ChunkColumn): column is PackedFloatColumn {
  return 'packed' in column;
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
 * Sorted rows as a chunk; their arrays are copied (or packed), so they may be reused after.
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
  const held = columns.map((column) => heldColumn(column, count, arrays));
  return { series, count, minTime, maxTime, strictlyIncreasing: increasing, ownsMemory: arrays === ownArrays, time, seq, columns: held };
}

/**
 * The column as a chunk holds it: a float in every row packed as decimals when they are; a
 * constant column as it is (its arrays are the thread's shared ones); otherwise its value
 * slots copied into `arrays` (its kinds and strings are its own already).
 */
function heldColumn(column: Column, count: number, arrays: ArrayCarver): ChunkColumn {
  if (isConstantColumn(column)) return column;
  const uniformFloat = column.uniformKind === ValueKind.Float || onlyFloats(column.kinds, count);
  const values = column.floats.subarray(0, count);
  const packed = uniformFloat ? packDecimals(values, arrays) : null;
  if (packed !== null) return { name: column.name, packed };
  const floats = arrays.floats(count);
  // Copied as 32-bit words: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
  slotWords(floats).set(slotWords(values));
  if (uniformFloat) return uniformFloatColumn(column.name, floats);
  const copy: Column = { name: column.name, kinds: column.kinds, floats, ints: new BigInt64Array(floats.buffer, floats.byteOffset, count), strings: column.strings };
  if (column.uniformKind !== undefined) copy.uniformKind = column.uniformKind;
  return copy;
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
  const columns = chunk.columns.map((column) => (isPackedFloatColumn(column) ? unpackedFloatColumn(column, n) : column));
  return { series: chunk.series, count: n, time, seq, columns };
}

function unpackedFloatColumn(column: PackedFloatColumn, n: number): Column {
  const floats = unpacked.floats(n);
  unpackNumbers(column.packed, floats);
  return uniformFloatColumn(column.name, floats);
}

/** Memory the chunk holds: its rows (as rowsBytes counts them) and its objects. */
export function chunkBytes(chunk: MemoryChunk): number {
  if (chunk.tiny !== undefined) return tinyBytes(chunk.tiny);
  let bytes = packedObjectBytes(chunk.columns.length) + packedBytes(chunk.time) + packedBytes(chunk.seq);
  for (const column of chunk.columns) bytes += isPackedFloatColumn(column) ? packedBytes(column.packed) : columnsBytes(chunk.count, [column]);
  return bytes;
}

/** The chunk as a scan or a flush reads it: loaded (unpacked) only when reached. */
export function chunkPiece(chunk: MemoryChunk): Piece {
  const { minTime, maxTime, count } = chunk;
  return { minTime, maxTime, count, ...(chunk.strictlyIncreasing ? { sorted: true } : {}), load: () => unpackChunk(chunk) };
}

