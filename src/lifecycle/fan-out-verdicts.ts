import { fnv1a, sameRange } from '../util/utf8-names.js';

/*
 * What fan-out continuous queries do with each written series, kept by the series name's
 * bytes as they lie in a write batch. A body of the ingest bench is a thousand series of five
 * points; asking per series entry for its name as a string, then whether the CQ matches it,
 * then where its copy goes, was three hash lookups through objects, each a cache miss on a
 * parse thread that shares its core with the shards: the fan-out of a body cost more than
 * parsing it. Here one lookup reads one flat record and one array slot.
 */

/** Where a whole-entry copy of a series goes: its name as UTF-8 and its shard. */
export interface CopyTarget {
  readonly name: Uint8Array;
  readonly shard: number;
}

/** The CQ copies the series, splitting its rows by an interpolated column (no one target). */
export const SPLIT = 'split';

/** null: the CQ does not match the series. */
export type Verdict = CopyTarget | typeof SPLIT | null;

/** A table starts this small and doubles as it fills, up to MAX_SLOT_BITS. */
const MIN_SLOT_BITS = 8;
const MAX_SLOT_BITS = 13;
const SLOT_BYTES = 64;
const SLOT_WORDS = SLOT_BYTES / 4;
/** Words of a slot before the name's bytes: the name's hash, and its length plus one (0: empty slot). */
const HASH = 0;
const LENGTH = 1;
const NAME_AT = 2 * 4;
const MAX_KEPT_NAME_BYTES = SLOT_BYTES - NAME_AT;
/** Longer names are decided by their string, remembered up to this many before the memory is cleared. */
const REMEMBERED_LONG_NAMES = 1 << 12;
/** Names longer still are decided every time: remembered, a client's megabyte-long names would hold gigabytes. */
const MAX_REMEMBERED_NAME_BYTES = 1024;

/**
 * What the fan-out CQs of a database do with each series name (`V`: a verdict, or a plan of
 * several), open-addressed with linear probing. It starts at 256 slots (16 KiB) and doubles
 * when a quarter full, up to 8192 slots (512 KiB): a database whose CQs see a few series holds
 * little. Filled past half at its largest, it is cleared and filled again as names come, so a
 * database writing more than 4096 series in rotation has its verdicts decided again each 4096
 * new names, which costs what every lookup used to.
 */
export class FanOutVerdicts<V = Verdict> {
  private slotBits = MIN_SLOT_BITS;
  private bytes = new Uint8Array((1 << MIN_SLOT_BITS) * SLOT_BYTES);
  private words = new Int32Array(this.bytes.buffer);
  /** Each slot's verdict; filled, not holey, so V8 keeps the array packed. */
  private verdicts: (V | null)[] = new Array<V | null>(1 << MIN_SLOT_BITS).fill(null);
  private filled = 0;
  private readonly longNames = new Map<string, V>();

  constructor(private readonly decide: (series: string) => V) {}

  /** The verdict for the series whose UTF-8 name is `buf[start, end)`. */
  of(buf: Buffer, start: number, end: number): V {
    const length = end - start;
    if (length > MAX_REMEMBERED_NAME_BYTES) return this.decide(buf.toString('utf8', start, end));
    if (length > MAX_KEPT_NAME_BYTES) return this.ofLongName(buf.toString('utf8', start, end));
    const hash = fnv1a(buf, start, end) | 0;
    const words = this.words;
    const mask = (1 << this.slotBits) - 1;
    let slot = hash & mask;
    for (;;) {
      const at = slot * SLOT_WORDS;
      const stored = words[at + LENGTH];
      if (stored === 0) break;
      if (words[at + HASH] === hash && stored === length + 1 && sameRange(this.bytes, slot * SLOT_BYTES + NAME_AT, buf, start, length)) {
        return this.verdicts[slot]!;
      }
      slot = (slot + 1) & mask;
    }
    const verdict = this.decide(buf.toString('utf8', start, end));
    // Grown while a quarter full, so probes stay as short as in the largest table; cleared at half.
    if (this.filled >= 1 << (this.slotBits - (this.slotBits < MAX_SLOT_BITS ? 2 : 1))) {
      if (this.slotBits < MAX_SLOT_BITS) this.grow();
      else this.clear();
      slot = this.emptySlotFor(hash);
    }
    this.keep(slot, hash, buf, start, length, verdict);
    return verdict;
  }

  private keep(slot: number, hash: number, buf: Uint8Array, start: number, length: number, verdict: V): void {
    const at = slot * SLOT_WORDS;
    this.words[at + HASH] = hash;
    this.words[at + LENGTH] = length + 1;
    this.bytes.set(buf.subarray(start, start + length), slot * SLOT_BYTES + NAME_AT);
    this.verdicts[slot] = verdict;
    this.filled++;
  }

  private emptySlotFor(hash: number): number {
    const mask = (1 << this.slotBits) - 1;
    let slot = hash & mask;
    while (this.words[slot * SLOT_WORDS + LENGTH] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  /** Twice the slots, every kept name moved to its place in them. */
  private grow(): void {
    const { bytes, words, verdicts } = this;
    const slots = 1 << this.slotBits;
    this.slotBits++;
    this.bytes = new Uint8Array((1 << this.slotBits) * SLOT_BYTES);
    this.words = new Int32Array(this.bytes.buffer);
    this.verdicts = new Array<V | null>(1 << this.slotBits).fill(null);
    this.filled = 0;
    for (let old = 0; old < slots; old++) {
      const at = old * SLOT_WORDS;
      const stored = words[at + LENGTH]!;
      if (stored === 0) continue;
      const hash = words[at + HASH]!;
      this.keep(this.emptySlotFor(hash), hash, bytes, old * SLOT_BYTES + NAME_AT, stored - 1, verdicts[old]!);
    }
  }

  private clear(): void {
    this.words.fill(0);
    this.verdicts.fill(null);
    this.filled = 0;
  }

  private ofLongName(series: string): V {
    let verdict = this.longNames.get(series);
    if (verdict === undefined) {
      verdict = this.decide(series);
      if (this.longNames.size >= REMEMBERED_LONG_NAMES) this.longNames.clear();
      this.longNames.set(series, verdict);
    }
    return verdict;
  }
}
