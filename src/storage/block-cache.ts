import { rowsBytes, type SeriesColumns } from './columns.js';
import { mapZones } from './zone-map.js';

/**
 * Offsets below this fit beside a file's number in one exact numeric key (file × 2^36 +
 * offset, under 2^53 for up to 2^17 files at once; a dropped file's number is reused):
 * numbers hash far faster than the `file:offset` strings they replace, and a scan asks once
 * per block.
 */
const OFFSET_LIMIT = 2 ** 36;
const FILE_LIMIT = 2 ** 17;

/** A cached block, with its size and whether a scan read it since the last sweep passed it. */
interface CachedBlock {
  readonly rows: SeriesColumns;
  readonly bytes: number;
  referenced: boolean;
}

/**
 * Decoded segment blocks up to a byte budget, evicted oldest first with a second chance
 * (CLOCK): a block read since the sweep last passed it is kept and moved to the back. A hit
 * only sets a flag; strict LRU moved every hit to the back of the map (a delete and a set,
 * and a rehash of the whole table every so often), which was most of a hit's cost for a scan
 * that asks once per block. Segment files are immutable, so a block is keyed by its file and
 * offset and never goes stale; a retired file's blocks are dropped with it. Readers never
 * change decoded rows (every merge builds new arrays), so one decoded block serves every scan
 * that reads it. A block is admitted with its zone maps (zone-map.ts), whose bytes count too.
 */
export class BlockCache {
  private readonly blocks = new Map<number, CachedBlock>();
  private readonly fileNumbers = new Map<string, number>();
  private readonly freeNumbers: number[] = [];
  private nextFileNumber = 0;
  private bytes = 0;

  constructor(private readonly capacityBytes: number) {}

  get(file: string, offset: number, decode: () => SeriesColumns): SeriesColumns {
    const key = this.keyOf(file, offset);
    if (key === undefined) return decode();
    const cached = this.blocks.get(key);
    const block = cached ?? this.admit(key, decode());
    // One store for a hit and an admission (which leaves the flag false): a store met only
    // by hits has no type feedback from a first, all-miss scan, and V8 threw away the
    // optimised scan when the second scan met it.
    block.referenced = cached !== undefined;
    return block.rows;
  }

  private admit(key: number, rows: SeriesColumns): CachedBlock {
    const bytes = rowsBytes(rows) + mapZones(rows);
    const block = { rows, bytes, referenced: false };
    if (bytes > this.capacityBytes) return block;
    // Room is made first, so the sweep never takes the block it is making room for.
    this.evict(this.capacityBytes - bytes);
    this.blocks.set(key, block);
    this.bytes += bytes;
    return block;
  }

  /**
   * Sweeps from the oldest block until at most `limit` bytes are cached: a referenced block
   * loses its flag and goes to the back, any other leaves. Every block is passed at most
   * twice, since one moved to the back is no longer referenced when the sweep reaches it again.
   */
  private evict(limit: number): void {
    for (const [key, block] of this.blocks) {
      if (this.bytes <= limit) return;
      this.blocks.delete(key);
      if (block.referenced) {
        block.referenced = false;
        this.blocks.set(key, block);
      } else {
        this.bytes -= block.bytes;
      }
    }
  }

  /** Forget every block of `file` (it left the manifest). */
  dropFile(file: string): void {
    const number = this.fileNumbers.get(file);
    if (number === undefined) return;
    this.fileNumbers.delete(file);
    this.freeNumbers.push(number);
    for (const [key, block] of this.blocks) {
      if (Math.floor(key / OFFSET_LIMIT) !== number) continue;
      this.blocks.delete(key);
      this.bytes -= block.bytes;
    }
  }

  /** The block's key, or undefined when it is not cached (no budget, or beyond the key space). */
  private keyOf(file: string, offset: number): number | undefined {
    if (this.capacityBytes <= 0 || offset >= OFFSET_LIMIT) return undefined;
    let number = this.fileNumbers.get(file);
    if (number === undefined) {
      number = this.freeNumbers.pop() ?? (this.nextFileNumber < FILE_LIMIT ? this.nextFileNumber++ : undefined);
      if (number === undefined) return undefined;
      this.fileNumbers.set(file, number);
    }
    return number * OFFSET_LIMIT + offset;
  }
}
