/**
 * The series a line-protocol point belongs to, from its key (`measurement,tag=value,…`).
 *
 * The 0.8 series name is InfluxDB 1.x's own series key: the measurement, then the tags sorted
 * by key, each component escaped as line protocol escapes it (`\,` `\ ` in the measurement,
 * `\,` `\=` `\ ` in tag keys and values). It is lossless — the line protocol key can be read
 * back from it — and two lines naming the same tags in another order or with other optional
 * escapes land in one series. Each tag is also stored as a string column of every point.
 *
 * Keys repeat from line to line, so the parsed form is kept in a direct-mapped table keyed by
 * the key's raw bytes, like `series-names.ts` does for JSON bodies: a hit costs one hash and
 * one byte comparison per line.
 */
import { shardOf } from '../storage/router.js';
import { LineSeries } from './line-series.js';
import type { ConstantColumn } from './series-rows.js';
import { BACKSLASH, COMMA, EQUALS, isReservedName, LineSyntaxError, MEASUREMENT_ESCAPES, RESERVED_COLUMNS, TAG_ESCAPES, unescape } from './line-syntax.js';

const SLOT_BITS = 14;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const WAYS = 4;
/**
 * Longer keys are parsed every time rather than kept. Keys of a kilobyte and more are common
 * (a Kubernetes pod's labels as tags), and parsing one costs tens of microseconds a line.
 */
const MAX_KEPT_KEY_BYTES = 16 * 1024;
/**
 * Bytes of raw keys kept at most: a kept series holds its key about three times over (raw,
 * as its name, as constant columns), so the table holds some 50 MB at most per parse thread,
 * however long the keys. A key past the budget is parsed every time, like a longer one.
 */
const KEPT_KEY_BYTES = 16 * 1024 * 1024;

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export class LineSeriesKeys {
  // Filled, not holey: V8 reads a packed array faster.
  private readonly slots: (LineSeries | null)[] = new Array<LineSeries | null>(SLOT_MASK + 1).fill(null);
  /**
   * Each slot's key hash, beside the table: a lookup reads a key's bytes only when its hash
   * matches. Reading every way's key object, then its byte array, was a chain of cache misses
   * per way, and for keys the table does not hold that was most of a line's cost.
   */
  private readonly hashes = new Int32Array(SLOT_MASK + 1);
  /**
   * Hashes of keys parsed but not kept, in sets of four like the table's: a key enters the
   * table the second time it is seen while its hash is still here. When more series are written
   * than the table holds, keys seen once would only push out keys seen again, and every key kept
   * outlives a young collection; a key not kept is garbage once its request is parsed. (One
   * hash per slot let two keys of one slot push each other out for good: of a thousand keys,
   * some sixty were then never kept.)
   */
  private readonly seenOnce = new Int32Array(SLOT_MASK + 1);
  /** Turns through the four ways of a set, for the next hash remembered or key let go. */
  private turn = 0;
  /** Raw key bytes of the series kept, against KEPT_KEY_BYTES. */
  private keptBytes = 0;

  /**
   * The key `buf[start, end)`, routed for `db` and `shardCount`; throws LineSyntaxError when
   * malformed. `hash` is any hash of those bytes, the same for the same bytes.
   */
  resolve(buf: Uint8Array, start: number, end: number, hash: number, db: string, shardCount: number): LineSeries {
    if (end - start > MAX_KEPT_KEY_BYTES) return parseKey(buf, start, end, db, shardCount);
    hash |= 0;
    // Four slots per hash: with one, two hot keys of the same slot would evict each other on every line.
    const first = hash & SLOT_MASK & ~(WAYS - 1);
    let free = -1;
    for (let slot = first; slot < first + WAYS; slot++) {
      const key = this.slots[slot]!;
      if (key === null) {
        if (free < 0) free = slot;
      } else if (this.hashes[slot] === hash && key.hasKey(buf, start, end)) {
        if (key.db !== db || key.shardCount !== shardCount) {
          key.db = db;
          key.shardCount = shardCount;
          key.shard = shardOf(db, key.name, shardCount);
        }
        return key;
      }
    }
    const key = parseKey(buf, start, end, db, shardCount);
    if (free < 0 && !this.seenBefore(first, hash)) return key;
    // A full set lets go of its ways in turn.
    const slot = free >= 0 ? free : first + (this.turn++ & (WAYS - 1));
    const evicted = this.slots[slot];
    const freed = evicted ? evicted.rawLength : 0;
    if (this.keptBytes - freed + key.rawLength > KEPT_KEY_BYTES) return key;
    this.keptBytes += key.rawLength - freed;
    key.slot = slot;
    if (evicted) {
      evicted.slot = -1;
      evicted.next = null;
    }
    this.slots[key.slot] = key;
    this.hashes[key.slot] = hash;
    return key;
  }

  /**
   * Whether a key of hash `hash` (set at `first`) was parsed and not kept lately; if not, it is
   * remembered now, in place of the oldest of its set, as far as turns go.
   */
  private seenBefore(first: number, hash: number): boolean {
    for (let at = first; at < first + WAYS; at++) {
      if (this.seenOnce[at] === hash) {
        this.seenOnce[at] = 0;
        return true;
      }
    }
    this.seenOnce[first + (this.turn++ & (WAYS - 1))] = hash;
    return false;
  }
}

function parseKey(buf: Uint8Array, start: number, end: number, db: string, shardCount: number): LineSeries {
  return parseCanonicalKey(buf, start, end, db, shardCount) ?? parseAnyKey(buf, start, end, db, shardCount);
}

/**
 * The usual key: no backslash, and its tags in the order of their keys. Its name is then its
 * own text (nothing in it needs escaping), so it is taken as it is, without the copies, sort
 * and escapes of `parseAnyKey`: a body of many new series parses a key per line. Null for
 * any other key, which `parseAnyKey` then reads, or refuses when malformed.
 */
function parseCanonicalKey(buf: Uint8Array, start: number, end: number, db: string, shardCount: number): LineSeries | null {
  let i = start;
  while (i < end && buf[i] !== COMMA) {
    if (buf[i] === BACKSLASH) return null;
    i++;
  }
  if (i === start) return null;
  const tags: ConstantColumn[] = [];
  let previousKeyStart = -1;
  let previousKeyEnd = -1;
  while (i < end) {
    const keyStart = ++i;
    let equalsAt = -1;
    for (; i < end && buf[i] !== COMMA; i++) {
      const c = buf[i];
      if (c === BACKSLASH || (c === EQUALS && equalsAt >= 0)) return null;
      if (c === EQUALS) equalsAt = i;
    }
    if (equalsAt <= keyStart || equalsAt === i - 1) return null;
    if (previousKeyStart >= 0 && compareRanges(buf, previousKeyStart, previousKeyEnd, buf, keyStart, equalsAt) >= 0) return null;
    if (isReservedName(buf, keyStart, equalsAt)) return null;
    tags.push({ name: buf.subarray(keyStart, equalsAt), value: buf.subarray(equalsAt + 1, i) });
    previousKeyStart = keyStart;
    previousKeyEnd = equalsAt;
  }
  const raw = buf.subarray(start, end);
  const name = utf8Decoder.decode(raw);
  return new LineSeries({ raw, name, nameBytes: raw, tags, db, shardCount, shard: shardOf(db, name, shardCount) });
}

/** Any key: escapes read, tags sorted by key, the name written as `parseCanonicalKey` says. */
function parseAnyKey(buf: Uint8Array, start: number, end: number, db: string, shardCount: number): LineSeries {
  const parts = splitUnescaped(buf, start, end, COMMA);
  const [measurementStart, measurementEnd] = parts[0]!;
  if (measurementEnd === measurementStart) throw new LineSyntaxError('missing measurement');
  const measurement = unescape(buf, measurementStart, measurementEnd, MEASUREMENT_ESCAPES);
  const tags: { key: Uint8Array; value: Uint8Array; keyText: string }[] = [];
  for (let i = 1; i < parts.length; i++) {
    const [partStart, partEnd] = parts[i]!;
    const halves = splitUnescaped(buf, partStart, partEnd, EQUALS);
    if (halves.length !== 2) throw new LineSyntaxError(`invalid tag format '${utf8Decoder.decode(buf.subarray(partStart, partEnd))}'`);
    const [[keyStart, keyEnd], [valueStart, valueEnd]] = halves as [[number, number], [number, number]];
    if (keyEnd === keyStart) throw new LineSyntaxError('missing tag key');
    if (valueEnd === valueStart) throw new LineSyntaxError('missing tag value');
    const key = unescape(buf, keyStart, keyEnd, TAG_ESCAPES);
    tags.push({ key, value: unescape(buf, valueStart, valueEnd, TAG_ESCAPES), keyText: utf8Decoder.decode(key) });
  }
  tags.sort((a, b) => compareBytes(a.key, b.key));
  const tagNames = new Set<string>();
  for (const tag of tags) {
    if (tagNames.has(tag.keyText)) throw new LineSyntaxError(`duplicate tag '${tag.keyText}'`);
    if (RESERVED_COLUMNS.has(tag.keyText)) throw new LineSyntaxError(`tag key '${tag.keyText}' is reserved`);
    tagNames.add(tag.keyText);
  }
  let name = escape(measurement, MEASUREMENT_ESCAPES);
  for (const tag of tags) name += `,${escape(tag.key, TAG_ESCAPES)}=${escape(tag.value, TAG_ESCAPES)}`;
  const nameBytes = utf8Encoder.encode(name);
  return new LineSeries({
    raw: buf.subarray(start, end),
    name,
    nameBytes,
    tags: tags.map((tag) => ({ name: tag.key, value: tag.value })),
    db,
    shardCount,
    shard: shardOf(db, name, shardCount),
  });
}

/** `[start, end)` pairs of the parts of `buf[start, end)` between separators not escaped by a backslash. */
function splitUnescaped(buf: Uint8Array, start: number, end: number, separator: number): [number, number][] {
  const parts: [number, number][] = [];
  let from = start;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === BACKSLASH) i++;
    else if (c === separator) {
      parts.push([from, i]);
      from = i + 1;
    }
  }
  parts.push([from, end]);
  return parts;
}

function escape(bytes: Uint8Array, escapable: readonly number[]): string {
  let text = utf8Decoder.decode(bytes);
  for (const c of escapable) text = text.replaceAll(String.fromCharCode(c), `\\${String.fromCharCode(c)}`);
  return text;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, 0, a.length, b, 0, b.length);
}

/** Byte order of `a[aStart, aEnd)` and `b[bStart, bEnd)`, a shorter prefix first. */
function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return a[aStart + i]! - b[bStart + i]!;
  return aEnd - aStart - (bEnd - bStart);
}
