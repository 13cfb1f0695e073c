import { rowsBytes, type SeriesColumns } from './columns.js';

/**
 * Offsets below this fit beside a file's number in one exact numeric key (file × 2^36 +
 * offset, under 2^53 for up to 2^17 files at once; a dropped file's number is reused):
 * numbers hash far faster than the `file:offset` strings they replace, and a scan asks once
 * per block.
 */
const OFFSET_LIMIT = 2 ** 36;
const FILE_LIMIT = 2 ** 17;

/**
 * Decoded segment blocks, least recently used first, up to a byte budget. Segment files are
 * immutable, so a block is keyed by its file and offset and never goes stale; a retired file's
 * blocks are dropped with it. Readers never change decoded rows (every merge builds new
 * arrays), so one decoded block serves every scan that reads it.
 */
export class BlockCache {
  private readonly blocks = new Map<number, SeriesColumns>();
  private readonly fileNumbers = new Map<string, number>();
  private readonly freeNumbers: number[] = [];
  private nextFileNumber = 0;
  private bytes = 0;

  constructor(private readonly capacityBytes: number) {}

  get(file: string, offset: number, decode: () => SeriesColumns): SeriesColumns {
    const key = this.keyOf(file, offset);
    if (key === undefined) return decode();
    const cached = this.blocks.get(key);
    if (cached) {
      this.blocks.delete(key);
      this.blocks.set(key, cached);
      return cached;
    }
    const rows = decode();
    const size = rowsBytes(rows);
    if (size > this.capacityBytes) return rows;
    this.blocks.set(key, rows);
    this.bytes += size;
    for (const [oldest, evicted] of this.blocks) {
      if (this.bytes <= this.capacityBytes) break;
      this.blocks.delete(oldest);
      this.bytes -= rowsBytes(evicted);
    }
    return rows;
  }

  /** Forget every block of `file` (it left the manifest). */
  dropFile(file: string): void {
    const number = this.fileNumbers.get(file);
    if (number === undefined) return;
    this.fileNumbers.delete(file);
    this.freeNumbers.push(number);
    for (const [key, rows] of this.blocks) {
      if (Math.floor(key / OFFSET_LIMIT) !== number) continue;
      this.blocks.delete(key);
      this.bytes -= rowsBytes(rows);
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
