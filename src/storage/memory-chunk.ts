import { columnsBytes, type Column, type SeriesColumns } from './columns.js';
import { strictlyIncreasing } from './combine.js';
import { packNumbers, packedBytes, unpackNumbers, type PackedNumbers } from './packed-numbers.js';
import { ownArrays, RowSlab, type ArrayCarver } from './row-slab.js';
import type { Piece } from './series-blocks.js';

/**
 * A sealed memtable chunk: rows sorted by (time, sequence number), their times and sequence
 * numbers packed (packed-numbers.ts), columns as sealed. It is unpacked into fresh arrays
 * each time a scan or a flush loads it: a reader holds one chunk's rows at a time, while the
 * memtable holds every chunk until the flush that writes it out.
 */
export interface MemoryChunk {
  readonly series: string;
  readonly count: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly time: PackedNumbers;
  readonly seq: PackedNumbers;
  readonly columns: Column[];
  /** No two rows share (time, sequence number): a scan may use the rows as loaded (Piece.sorted). */
  readonly strictlyIncreasing: boolean;
  /**
   * Its arrays are its own (packed with `ownArrays`, from columns a merge made), so dropping
   * it frees them; otherwise a slab holds them until every chunk carved with them is gone.
   */
  readonly ownsMemory: boolean;
}

/** Sorted rows as a chunk; their time and seq arrays are copied, so they may be reused after. */
export function packChunk(rows: SeriesColumns, arrays: ArrayCarver): MemoryChunk {
  const { series, count, columns } = rows;
  const time = packNumbers(rows.time, arrays);
  const seq = packNumbers(rows.seq, arrays);
  const minTime = count === 0 ? Infinity : rows.time[0]!;
  const maxTime = count === 0 ? -Infinity : rows.time[count - 1]!;
  return { series, count, minTime, maxTime, time, seq, columns, strictlyIncreasing: strictlyIncreasing(rows), ownsMemory: arrays === ownArrays };
}

/**
 * Where loads unpack to: a scan loads every chunk of every series it reads, and an array
 * apiece was an allocation and a backing store per chunk; carved, it is one per MiB.
 */
const unpacked = new RowSlab();

/** The chunk's rows, times and sequence numbers in arrays of their own. */
export function unpackChunk(chunk: MemoryChunk): SeriesColumns {
  const n = chunk.count;
  const numbers = unpacked.floats(2 * n);
  const time = numbers.subarray(0, n);
  const seq = numbers.subarray(n);
  unpackNumbers(chunk.time, time);
  unpackNumbers(chunk.seq, seq);
  return { series: chunk.series, count: n, time, seq, columns: chunk.columns };
}

/** Memory the chunk holds (as rowsBytes counts rows). */
export function chunkBytes(chunk: MemoryChunk): number {
  return packedBytes(chunk.time) + packedBytes(chunk.seq) + columnsBytes(chunk.count, chunk.columns);
}

/** The chunk as a scan or a flush reads it: loaded (unpacked) only when reached. */
export function chunkPiece(chunk: MemoryChunk): Piece {
  const { minTime, maxTime, count } = chunk;
  return { minTime, maxTime, count, ...(chunk.strictlyIncreasing ? { sorted: true } : {}), load: () => unpackChunk(chunk) };
}

