/**
 * One line-protocol series as the parse thread keeps it between requests: its parsed key,
 * its rows (series-rows.ts) and which column each raw field key of its lines fills. Series and
 * their fields repeat from request to request, so after the first request a line costs no
 * allocation and a field key one byte comparison.
 *
 * The key and the rows are one object, and the key's raw bytes and the first field key lie in
 * the rows' `entryBytes` beside the name: a body names a thousand series, and every object or
 * array a series is read through is a cache miss on a parse thread whose core the shards share.
 */
import { sameBytes, sameRange } from '../util/utf8-names.js';
import { SeriesRows, type ConstantColumn, type ValueColumn } from './series-rows.js';
import { EQUALS, isReservedName, LineSyntaxError, prefixEndAt, SPACE, unescapeFieldKey } from './line-syntax.js';

const utf8Decoder = new TextDecoder();
/** Up to this many tags, fields or raw field keys, a new field key is compared with each rather than looked up in a map. */
const MAX_COMPARED = 16;
const NO_TAG_KEYS: readonly Uint8Array[] = [];

/** A line's series key as parsed once (line-series-key.ts parses it and keeps it in a table). */
export interface ParsedLineKey {
  readonly raw: Uint8Array;
  /** The series name (line-series-key.ts says how it is made from the key). */
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** The tags as string columns, unescaped, each key once. */
  readonly tags: readonly ConstantColumn[];
  readonly db: string;
  readonly shardCount: number;
  readonly shard: number;
}

export class LineSeries extends SeriesRows {
  /** The key is written exactly as its name (tags in order, no optional escapes). */
  readonly canonical: boolean;
  /**
   * The tag keys, to refuse a field named as one of them: copies of their bytes when there are
   * few enough to compare one by one, else the keys as strings (a key of hundreds of tags would
   * otherwise keep hundreds of objects alive for every line of a body). Copies, not the key's
   * views: a kept series would keep the whole request body it was first seen in alive.
   */
  private readonly tagKeys: readonly Uint8Array[];
  private readonly tagNames: ReadonlySet<string> | undefined;
  /** Where the key's raw bytes lie in `entryBytes`: the name's own when `canonical`. */
  private readonly rawAt: number;
  /** The raw key's length in bytes. */
  readonly rawLength: number;
  db: string;
  shardCount: number;
  /** The series' slot in its key table (-1: not kept, or let go). */
  slot = -1;
  /**
   * The series whose line came after this one's last time. A series the table lets go of
   * drops its own, so such a series keeps at most itself alive, never a chain.
   */
  next: LineSeries | null = null;
  /** The request that last claimed the series (0: none yet). */
  private stamp = 0;
  /**
   * Raw (escaped) field keys seen, each with its column; several may share one. Each key lies
   * in `entryBytes`: the first position's at `firstKeyAt` (-1 until a line has a field), its
   * column in a field of its own, since most lines have one field; the others' at
   * `laterKeyAt` (start and length pairs).
   */
  private firstKeyAt = -1;
  private firstKeyLength = 0;
  private firstColumn: ValueColumn | undefined;
  private laterKeyAt: number[] | undefined;
  private laterColumns: ValueColumn[] | undefined;
  /**
   * The later raw field keys, and the columns by unescaped name, once a series has more than
   * are worth comparing one by one: a line of thousands of new fields then costs a lookup per
   * field, not a pass over those before it. A series of a few fields makes no map.
   */
  private columnsByRawKey: Map<string, ValueColumn> | undefined;
  private columnsByName: Map<string, ValueColumn> | undefined;

  constructor(key: ParsedLineKey) {
    super(key.name, key.nameBytes, key.shard, key.tags);
    this.canonical = sameBytes(key.nameBytes, key.raw, 0, key.raw.length);
    if (key.tags.length <= MAX_COMPARED) {
      this.tagKeys = key.tags.map((tag) => tag.name.slice());
    } else {
      this.tagKeys = NO_TAG_KEYS;
      this.tagNames = new Set(key.tags.map((tag) => utf8Decoder.decode(tag.name)));
    }
    this.db = key.db;
    this.shardCount = key.shardCount;
    this.rawAt = this.canonical ? 0 : this.appendEntryBytes(key.raw);
    this.rawLength = key.raw.length;
  }

  /** Where the key ends in `buf` if the line at `start` has this series' key (followed by a space); else -1. */
  keyEnd(buf: Uint8Array, start: number): number {
    return prefixEndAt(this.entryBytes, this.rawAt, this.rawLength, buf, start, SPACE);
  }

  /** Whether `buf[start, end)` is this series' raw key. */
  hasKey(buf: Uint8Array, start: number, end: number): boolean {
    return end - start === this.rawLength && sameRange(this.entryBytes, this.rawAt, buf, start, this.rawLength);
  }

  /** No request has claimed the series yet: it was parsed from its key just now. */
  isNew(): boolean {
    return this.stamp === 0;
  }

  /**
   * Takes the series for request `stamp`, emptying it when the request first asks; true if it
   * did (the caller then lists the series).
   */
  claim(stamp: number): boolean {
    if (this.stamp === stamp) return false;
    this.stamp = stamp;
    this.reset();
    return true;
  }

  /** Where the field key at `start` ends (at its `=`) if it is the one lines had at `position`; else -1. */
  hintEnd(buf: Uint8Array, start: number, position: number): number {
    if (position === 0) return this.firstKeyAt < 0 ? -1 : prefixEndAt(this.entryBytes, this.firstKeyAt, this.firstKeyLength, buf, start, EQUALS);
    const keys = this.laterKeyAt;
    if (keys === undefined || 2 * position > keys.length) return -1;
    return prefixEndAt(this.entryBytes, keys[2 * position - 2]!, keys[2 * position - 1]!, buf, start, EQUALS);
  }

  /** The column `hintEnd` matched. */
  hinted(position: number): ValueColumn {
    return (position === 0 ? this.firstColumn : this.laterColumns![position - 1])!;
  }

  /** The column of field key `buf[start, end)`, made on its first use. */
  column(buf: Uint8Array, start: number, end: number): ValueColumn {
    if (this.isFirstKey(buf, start, end)) return this.firstColumn!;
    // Keys are decoded only where a map or set is there to look in, and each once: a line of
    // thousands of new fields decodes each key and each name one time.
    // The body is valid UTF-8 (checked before parsing), so different keys decode differently.
    const rawText = this.columnsByRawKey === undefined ? undefined : utf8Decoder.decode(buf.subarray(start, end));
    const seen = rawText === undefined ? this.laterKeyColumn(buf, start, end) : this.columnsByRawKey!.get(rawText);
    if (seen !== undefined) return seen;
    const name = unescapeFieldKey(buf, start, end);
    const text = this.tagNames === undefined && this.columnsByName === undefined ? undefined : utf8Decoder.decode(name);
    if (isReservedName(name, 0, name.length)) throw new LineSyntaxError(`field key '${utf8Decoder.decode(name)}' is reserved`);
    if (this.isTagName(name, text)) throw new LineSyntaxError(`field key '${utf8Decoder.decode(name)}' is also a tag key`);
    let column = this.columnNamed(name, text);
    if (column === undefined) {
      column = this.addColumn(name);
      if (this.columnsByName !== undefined) this.columnsByName.set(text!, column);
      else if (this.columns.length > MAX_COMPARED) this.columnsByName = new Map(this.columns.map((c) => [utf8Decoder.decode(c.name), c]));
    }
    if (this.firstKeyAt < 0) {
      this.firstKeyAt = this.appendEntryBytes(buf, start, end);
      this.firstKeyLength = end - start;
      this.firstColumn = column;
      return column;
    }
    const keyAt = this.appendEntryBytes(buf, start, end);
    const keys = (this.laterKeyAt ??= []);
    const columns = (this.laterColumns ??= []);
    keys.push(keyAt, end - start);
    columns.push(column);
    if (rawText !== undefined) this.columnsByRawKey!.set(rawText, column);
    else if (columns.length > MAX_COMPARED) {
      this.columnsByRawKey = new Map(columns.map((c, i) => [utf8Decoder.decode(this.entryBytes.subarray(keys[2 * i], keys[2 * i]! + keys[2 * i + 1]!)), c]));
    }
    return column;
  }

  /** The column of a raw field key seen before at a later position, compared one by one (before there is a map of them). */
  private laterKeyColumn(buf: Uint8Array, start: number, end: number): ValueColumn | undefined {
    const keys = this.laterKeyAt;
    if (keys === undefined) return undefined;
    const length = end - start;
    for (let i = 0; i < keys.length; i += 2) {
      if (keys[i + 1] === length && sameRange(this.entryBytes, keys[i]!, buf, start, length)) return this.laterColumns![i / 2];
    }
    return undefined;
  }

  /** The column named `name` (unescaped, UTF-8; `text` decoded, when there is a map), if the series has one. */
  private columnNamed(name: Uint8Array, text: string | undefined): ValueColumn | undefined {
    if (this.columnsByName !== undefined) return this.columnsByName.get(text!);
    for (const column of this.columns) if (sameBytes(column.name, name, 0, name.length)) return column;
    return undefined;
  }

  /** Whether `name` (unescaped, UTF-8; `text` decoded, when there is a set) is one of the series' tag keys. */
  private isTagName(name: Uint8Array, text: string | undefined): boolean {
    if (this.tagNames !== undefined) return this.tagNames.has(text!);
    for (const tagKey of this.tagKeys) if (sameBytes(tagKey, name, 0, name.length)) return true;
    return false;
  }

  private isFirstKey(buf: Uint8Array, start: number, end: number): boolean {
    return this.firstKeyAt >= 0 && end - start === this.firstKeyLength && sameRange(this.entryBytes, this.firstKeyAt, buf, start, this.firstKeyLength);
  }
}
