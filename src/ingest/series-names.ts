/**
 * Recently written ASCII series names, keyed by their bytes. Write bodies mostly repeat the
 * series of earlier bodies, so a hit skips decoding the name, routing it with `shardOf` and
 * hashing the string for de-duplication: per series object that was most of the cost.
 *
 * The table is direct-mapped and lives as long as the parse worker; each request gets a new
 * stamp, and a slot carries the stamp of the last request that listed its name.
 *
 * A slot is one 128-byte record in a flat buffer — hash, length, shard, stamp, route and the
 * name's bytes inline — so a lookup reads one place in memory. With an object per name (its
 * bytes in a typed array of their own) a lookup followed three pointers, and on a parse thread
 * that shares its core with the shards each was a cache miss: for a body of a thousand series
 * of five points that was more than a third of parsing it.
 */
import { shardOf } from '../storage/router.js';
import { fnv1a, sameRange } from '../util/utf8-names.js';

const SLOT_BITS = 14;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
const SLOT_BYTES = 128;
const SLOT_WORDS = SLOT_BYTES / 4;
/** Words of a slot before the name's bytes. */
const HASH = 0;
const LENGTH = 1;
const SHARD = 2;
const STAMP = 3;
const ROUTE = 4;
const NAME_AT = 5 * 4;
/** Longer names are resolved every time, in the spare slot, rather than kept. */
const MAX_KEPT_NAME_BYTES = SLOT_BYTES - NAME_AT;
/** The slot past the table: where a name too long to keep is resolved. */
const SPARE = SLOTS;

export class SeriesNameTable {
  private readonly bytes = new Uint8Array((SLOTS + 1) * SLOT_BYTES);
  private readonly words = new Int32Array(this.bytes.buffer);
  /** Each slot's name; filled, not holey: V8 reads a packed array faster. */
  private readonly names: string[] = new Array<string>(SLOTS + 1).fill('');
  private stamp = 0;
  /** Names listed in this request whose slots were taken since, or never kept. */
  private readonly evicted = new Set<string>();
  /** Numbers for (database, shard count) pairs: a slot's shard is valid for the route it records. */
  private readonly routes = new Map<string, number>();
  private nextRoute = 1;
  private route = 0;
  private db = '';
  private shardCount = 0;

  /** Starts a request that writes to `db`, spread over `shardCount` shards: every name counts as unlisted again. */
  beginRequest(db: string, shardCount: number): void {
    this.stamp = (this.stamp + 1) | 0;
    if (this.stamp === 0) {
      // Wrapped around: a slot untouched since a request of the same number would read as listed.
      for (let at = STAMP; at < this.words.length; at += SLOT_WORDS) this.words[at] = 0;
      this.stamp = 1;
    }
    this.evicted.clear();
    this.db = db;
    this.shardCount = shardCount;
    const key = `${shardCount}\u0000${db}`;
    let route = this.routes.get(key);
    if (route === undefined) {
      // Numbers are never reused (an empty slot records 0), so forgetting old pairs is safe.
      if (this.routes.size >= 256) this.routes.clear();
      route = this.nextRoute++;
      this.routes.set(key, route);
    }
    this.route = route;
  }

  /** The slot of the ASCII name bytes `buf[start, end)`; the caller lists the name if `firstInRequest` says so. */
  resolve(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const hash = fnv1a(buf, start, end) | 0;
    if (length > MAX_KEPT_NAME_BYTES) {
      this.fill(SPARE, buf, start, end, hash, false);
      this.evicted.add(this.names[SPARE]!);
      return SPARE;
    }
    const slot = hash & SLOT_MASK;
    const words = this.words;
    const at = slot * SLOT_WORDS;
    if (words[at + HASH] === hash && words[at + LENGTH] === length && sameRange(this.bytes, slot * SLOT_BYTES + NAME_AT, buf, start, length)) {
      if (words[at + ROUTE] !== this.route) {
        words[at + SHARD] = shardOf(this.db, this.names[slot]!, this.shardCount);
        words[at + ROUTE] = this.route;
      }
      return slot;
    }
    if (words[at + LENGTH] !== 0 && words[at + STAMP] === this.stamp) this.evicted.add(this.names[slot]!);
    this.fill(slot, buf, start, end, hash, true);
    return slot;
  }

  /** The shard the name in `slot` is routed to. */
  shardOf(slot: number): number {
    return this.words[slot * SLOT_WORDS + SHARD]!;
  }

  /** The name in `slot`. */
  nameOf(slot: number): string {
    return this.names[slot]!;
  }

  /** True the first time the name in `slot` is asked about in the current request. */
  firstInRequest(slot: number): boolean {
    const at = slot * SLOT_WORDS + STAMP;
    if (this.words[at] === this.stamp) return false;
    this.words[at] = this.stamp;
    return true;
  }

  private fill(slot: number, buf: Uint8Array, start: number, end: number, hash: number, keep: boolean): void {
    const name = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
    const at = slot * SLOT_WORDS;
    const words = this.words;
    words[at + HASH] = hash;
    words[at + LENGTH] = keep ? end - start : 0;
    words[at + SHARD] = shardOf(this.db, name, this.shardCount);
    words[at + ROUTE] = this.route;
    words[at + STAMP] = this.evicted.size > 0 && this.evicted.has(name) ? this.stamp : 0;
    if (keep) this.bytes.set(buf.subarray(start, end), slot * SLOT_BYTES + NAME_AT);
    this.names[slot] = name;
  }
}
