import { fnv1a, sameRange } from '../util/utf8-names.js';

/*
 * What a fan-out continuous query does with each written series, kept by the series name's
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

const SLOT_BITS = 13;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
/** Filled past this, the table starts empty again: probes stay short. */
const MAX_FILLED = SLOTS / 2;
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
 * The verdicts of one CQ for one database and shard count (512 KiB), open-addressed with
 * linear probing. A table that fills past half is cleared and filled again as names come, so
 * a database writing more than 4096 series in rotation has its verdicts decided again each
 * 4096 new names, which costs what every lookup used to.
 */
export class FanOutVerdicts {
  private readonly bytes = new Uint8Array(SLOTS * SLOT_BYTES);
  private readonly words = new Int32Array(this.bytes.buffer);
  /** Each slot's verdict; filled, not holey, so V8 keeps the array packed. */
  private readonly verdicts: Verdict[] = new Array<Verdict>(SLOTS).fill(null);
  private filled = 0;
  private readonly longNames = new Map<string, Verdict>();

  constructor(private readonly decide: (series: string) => Verdict) {}

  /** The verdict for the series whose UTF-8 name is `buf[start, end)`. */
  of(buf: Buffer, start: number, end: number): Verdict {
    const length = end - start;
    if (length > MAX_REMEMBERED_NAME_BYTES) return this.decide(buf.toString('utf8', start, end));
    if (length > MAX_KEPT_NAME_BYTES) return this.ofLongName(buf.toString('utf8', start, end));
    const hash = fnv1a(buf, start, end) | 0;
    const words = this.words;
    let slot = hash & SLOT_MASK;
    for (;;) {
      const at = slot * SLOT_WORDS;
      const stored = words[at + LENGTH];
      if (stored === 0) break;
      if (words[at + HASH] === hash && stored === length + 1 && sameRange(this.bytes, slot * SLOT_BYTES + NAME_AT, buf, start, length)) {
        return this.verdicts[slot]!;
      }
      slot = (slot + 1) & SLOT_MASK;
    }
    const verdict = this.decide(buf.toString('utf8', start, end));
    if (this.filled >= MAX_FILLED) {
      words.fill(0);
      this.verdicts.fill(null);
      this.filled = 0;
      slot = hash & SLOT_MASK;
    }
    const at = slot * SLOT_WORDS;
    words[at + HASH] = hash;
    words[at + LENGTH] = length + 1;
    this.bytes.set(buf.subarray(start, end), slot * SLOT_BYTES + NAME_AT);
    this.verdicts[slot] = verdict;
    this.filled++;
    return verdict;
  }

  private ofLongName(series: string): Verdict {
    let verdict = this.longNames.get(series);
    if (verdict === undefined) {
      verdict = this.decide(series);
      if (this.longNames.size >= REMEMBERED_LONG_NAMES) this.longNames.clear();
      this.longNames.set(series, verdict);
    }
    return verdict;
  }
}
