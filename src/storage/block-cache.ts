import { rowsBytes, type SeriesColumns } from './columns.js';

/**
 * Decoded segment blocks, least recently used first, up to a byte budget. Segment files are
 * immutable, so a block is keyed by its file and offset and never goes stale; a retired file's
 * blocks are dropped with it. Readers never change decoded rows (every merge builds new
 * arrays), so one decoded block serves every scan that reads it.
 */
export class BlockCache {
  private readonly blocks = new Map<string, SeriesColumns>();
  private bytes = 0;

  constructor(private readonly capacityBytes: number) {}

  get(file: string, offset: number, decode: () => SeriesColumns): SeriesColumns {
    if (this.capacityBytes <= 0) return decode();
    const key = `${file}:${offset}`;
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
    const prefix = `${file}:`;
    for (const [key, rows] of this.blocks) {
      if (!key.startsWith(prefix)) continue;
      this.blocks.delete(key);
      this.bytes -= rowsBytes(rows);
    }
  }
}
