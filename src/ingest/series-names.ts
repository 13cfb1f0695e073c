/**
 * Recently written ASCII series names, keyed by their bytes. Write bodies mostly repeat the
 * series of earlier bodies, so a hit skips decoding the name, routing it with `shardOf` and
 * hashing the string for de-duplication: per series object that was most of the cost.
 *
 * The table is direct-mapped and lives as long as the parse worker; each request gets a new
 * stamp, and an entry carries the stamp of the last request that listed its name.
 */
import { shardOf } from '../storage/router.js';
import { fnv1a, sameBytes } from '../util/utf8-names.js';

const SLOT_BITS = 14;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Longer names are resolved every time rather than kept. */
const MAX_KEPT_NAME_BYTES = 256;

export interface SeriesName {
  readonly bytes: Uint8Array;
  readonly name: string;
  db: string;
  shardCount: number;
  shard: number;
  /** The request that last listed this name (see `SeriesNameTable.firstInRequest`). */
  stamp: number;
}

export class SeriesNameTable {
  private readonly slots: (SeriesName | undefined)[] = new Array<SeriesName | undefined>(SLOT_MASK + 1);
  private stamp = 0;
  /** Names listed in this request whose entries were evicted since, or never kept. */
  private readonly evicted = new Set<string>();

  /** Starts a request: every name counts as unlisted again. */
  beginRequest(): void {
    this.stamp++;
    this.evicted.clear();
  }

  /**
   * The entry for the ASCII name bytes `buf[start, end)`, routed for `db` and `shardCount`.
   * The caller lists the name if `firstInRequest` says so.
   */
  resolve(buf: Uint8Array, start: number, end: number, db: string, shardCount: number): SeriesName {
    if (end - start > MAX_KEPT_NAME_BYTES) {
      const entry = this.create(buf, start, end, db, shardCount);
      this.evicted.add(entry.name);
      return entry;
    }
    const slot = fnv1a(buf, start, end) & SLOT_MASK;
    let entry = this.slots[slot];
    if (entry === undefined || !sameBytes(entry.bytes, buf, start, end)) {
      if (entry !== undefined && entry.stamp === this.stamp) this.evicted.add(entry.name);
      entry = this.create(buf, start, end, db, shardCount);
      this.slots[slot] = entry;
    } else if (entry.db !== db || entry.shardCount !== shardCount) {
      entry.db = db;
      entry.shardCount = shardCount;
      entry.shard = shardOf(db, entry.name, shardCount);
    }
    return entry;
  }

  private create(buf: Uint8Array, start: number, end: number, db: string, shardCount: number): SeriesName {
    // A copy: `buf` may be a Buffer, whose slice() would share the request's memory.
    const bytes = new Uint8Array(buf.subarray(start, end));
    const name = Buffer.from(bytes.buffer).toString('latin1');
    const stamp = this.evicted.size > 0 && this.evicted.has(name) ? this.stamp : 0;
    return { bytes, name, db, shardCount, shard: shardOf(db, name, shardCount), stamp };
  }

  /** True the first time `entry` is asked about in the current request. */
  firstInRequest(entry: SeriesName): boolean {
    if (entry.stamp === this.stamp) return false;
    entry.stamp = this.stamp;
    return true;
  }
}
