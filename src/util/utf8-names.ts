/**
 * Names (series, columns) read from binary buffers, decoded once and then found by their
 * bytes. A shard reads the same thousand series names from every write batch: decoding each
 * one anew made a string per series per request, and `Buffer#toString` is a native call that
 * costs more than hashing a short name in JavaScript. One string per name also makes map
 * lookups by it cheap (its hash is computed once).
 *
 * Two-way set-associative by an FNV-1a hash of the bytes (a name lives in one of two
 * neighbouring slots, the one used last first): the table never grows past its slots, a miss
 * only costs the decode it would have cost anyway, and two names whose hashes collide do not
 * evict each other on every batch as they would in a direct-mapped table.
 */
const SLOT_BITS = 13;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Longer names are decoded every time rather than kept. */
const MAX_KEPT_NAME_BYTES = 256;
/** Places remembered by `nameAt`. */
const MAX_HINTS = 16;

interface Slot {
  readonly bytes: Uint8Array;
  readonly name: string;
}

export class Utf8Names {
  private readonly slots: (Slot | undefined)[] = new Array<Slot | undefined>(SLOT_MASK + 1);
  /**
   * The name found last and its slot pair: asked for again (a series' entries, read one after
   * another, name the same columns), it is answered from memory at hand, where the table's
   * slot and its bytes are cache misses on a thread that shares its core with another.
   */
  private last: Slot | undefined;
  private lastFirst = -1;

  /** Names found last by the hint they were asked with (see `nameAt`). */
  private readonly byHint: (Slot | undefined)[] = [];

  /**
   * Like `name`, but first tries the name found last for the same `hint` — a column's place in
   * its series entry: entries name the same columns in the same order, and with two or more
   * columns the last name found is always the other column's.
   */
  nameAt(hint: number, buf: Buffer, start: number, end: number): string {
    const known = hint < MAX_HINTS ? this.byHint[hint] : undefined;
    if (known !== undefined && sameBytes(known.bytes, buf, start, end)) return known.name;
    const name = this.name(buf, start, end);
    const found = this.last;
    if (hint < MAX_HINTS && found !== undefined && found.name === name) this.byHint[hint] = found;
    return name;
  }

  /** The UTF-8 name in `buf[start, end)`. */
  name(buf: Buffer, start: number, end: number): string {
    if (end - start > MAX_KEPT_NAME_BYTES || end > buf.length) return buf.toString('utf8', start, end);
    const first = fnv1a(buf, start, end) & (SLOT_MASK - 1);
    const last = this.last;
    if (first === this.lastFirst && last !== undefined && sameBytes(last.bytes, buf, start, end)) return last.name;
    const slots = this.slots;
    const recent = slots[first];
    let found: Slot;
    if (recent !== undefined && sameBytes(recent.bytes, buf, start, end)) {
      found = recent;
    } else {
      const older = slots[first + 1];
      if (older !== undefined && sameBytes(older.bytes, buf, start, end)) {
        slots[first + 1] = recent;
        slots[first] = older;
        found = older;
      } else {
        // A copy: the batch's memory is released once its rows are sealed.
        found = { bytes: new Uint8Array(buf.subarray(start, end)), name: buf.toString('utf8', start, end) };
        slots[first + 1] = recent;
        slots[first] = found;
      }
    }
    this.last = found;
    this.lastFirst = first;
    return found.name;
  }
}

/** The 32-bit FNV-1a hash of `buf[start, end)`, unsigned. */
export function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  return hash >>> 0;
}

/** Whether `bytes` equals `buf[start, end)`. */
export function sameBytes(bytes: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  return bytes.length === end - start && sameRange(bytes, 0, buf, start, bytes.length);
}

/** Whether `a[aAt, aAt + length)` and `b[bAt, bAt + length)` hold the same bytes. */
export function sameRange(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
