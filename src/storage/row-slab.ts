/**
 * Memory for the chunks a memtable seals: rows are carved front to back out of shared 1 MiB
 * buffers instead of three buffers per series per seal. A seal of 8 MiB of batches over a
 * thousand series used to make some 1,500 small allocations, each a malloc, a zero-fill and a
 * backing store that every mark-compact of the shard's isolate visited and swept; these were
 * a tenth of a shard thread's CPU while ingesting.
 *
 * A buffer is never handed out twice: it lives, as JavaScript memory does, until the last
 * chunk carved from it is gone (memtable chunks all go at the flush that writes them out), so
 * its bytes are zero when carved. Chunks' arrays are views with offsets: code that reads them
 * must honour `byteOffset`, and they must never be transferred or released (which would
 * detach every chunk sharing the buffer).
 */
const BLOCK_BYTES = 1 << 20;
/** Larger requests get a buffer of their own rather than most of a block. */
const OWN_BUFFER_BYTES = BLOCK_BYTES >> 2;

/** Where packed rows get their arrays: carved from a slab, or allocated one by one. */
export interface ArrayCarver {
  floats(count: number): Float64Array;
  u16(count: number): Uint16Array;
  u32(count: number): Uint32Array;
}

/** Arrays of their own, freed with the last reference to them (not with a whole slab). */
export const ownArrays: ArrayCarver = {
  floats: (count) => new Float64Array(count),
  u16: (count) => new Uint16Array(count),
  u32: (count) => new Uint32Array(count),
};

export class RowSlab implements ArrayCarver {
  private block = new ArrayBuffer(0);
  private used = 0;
  /** The buffer the last `take` carved from. */
  private lastBuffer: ArrayBuffer = this.block;

  /** `count` zeroed doubles. */
  floats(count: number): Float64Array {
    const at = this.take(8 * count);
    return new Float64Array(this.lastBuffer, at, count);
  }

  /** `count` zeroed 16-bit words. */
  u16(count: number): Uint16Array {
    const at = this.take(2 * count);
    return new Uint16Array(this.lastBuffer, at, count);
  }

  /** `count` zeroed 32-bit words. */
  u32(count: number): Uint32Array {
    const at = this.take(4 * count);
    return new Uint32Array(this.lastBuffer, at, count);
  }

  /** `count` zeroed bytes. */
  bytes(count: number): Uint8Array {
    const at = this.take(count);
    return new Uint8Array(this.lastBuffer, at, count);
  }

  /** Carves `bytes` (rounded up to 8) and returns their offset in `lastBuffer`. */
  private take(bytes: number): number {
    const size = (bytes + 7) & ~7;
    if (size >= OWN_BUFFER_BYTES) {
      this.lastBuffer = new ArrayBuffer(size);
      return 0;
    }
    if (this.used + size > this.block.byteLength) {
      this.block = new ArrayBuffer(BLOCK_BYTES);
      this.used = 0;
    }
    const at = this.used;
    this.used += size;
    this.lastBuffer = this.block;
    return at;
  }
}

/** One per thread: a shard thread's memtables all seal through it. */
export const rowSlab = new RowSlab();

/**
 * Rows on their way into a chunk (a seal gathers each series' times, sequence numbers and
 * value slots, and the chunk packs or copies them): one buffer reused seal after seal, handed
 * out front to back from `reset` to the next. Carved from the slab instead, value slots a chunk
 * then packed smaller would stay held with the slab block. A seal larger than the buffer gets
 * arrays of its own, freed after it, so the thread does not keep the largest seal's size.
 */
export class ReusedRows {
  private buffer = new ArrayBuffer(0);
  private used = 0;

  constructor(private readonly keptBytes: number) {}

  /** Makes every array handed out since the last reset free to be handed out again. */
  reset(): void {
    this.used = 0;
  }

  /** `count` doubles, valid until the next reset; what they hold is left from earlier seals. */
  floats(count: number): Float64Array {
    const bytes = 8 * count;
    if (this.used + bytes > this.keptBytes) return new Float64Array(count);
    if (this.buffer.byteLength === 0) this.buffer = new ArrayBuffer(this.keptBytes);
    const floats = new Float64Array(this.buffer, this.used, count);
    this.used += bytes;
    return floats;
  }
}
