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
import { EQUALS, LineSyntaxError, prefixEnd, prefixEndAt, RESERVED_COLUMNS, SPACE, unescapeFieldKey } from './line-syntax.js';

const utf8Decoder = new TextDecoder();

/** A line's series key as parsed once (line-series-key.ts parses it and keeps it in a table). */
export interface ParsedLineKey {
  readonly raw: Uint8Array;
  /** The series name (line-series-key.ts says how it is made from the key). */
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** The tags as string columns, unescaped. */
  readonly tags: readonly ConstantColumn[];
  /** Unescaped tag keys, to refuse a field of the same name. */
  readonly tagNames: ReadonlySet<string>;
  readonly db: string;
  readonly shardCount: number;
  readonly shard: number;
}

export class LineSeries extends SeriesRows {
  /** The key is written exactly as its name (tags in order, no optional escapes). */
  readonly canonical: boolean;
  private readonly tagNames: ReadonlySet<string>;
  /** Where the key's raw bytes lie in `entryBytes`: the name's own when `canonical`. */
  private readonly rawAt: number;
  private readonly rawLength: number;
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
   * Raw (escaped) field keys seen, each with its column; several may share one. The first
   * position's lies in `entryBytes` (`firstKeyAt`, -1 until a line has a field), its column in
   * a field of its own: most lines have one field.
   */
  private firstKeyAt = -1;
  private firstKeyLength = 0;
  private firstColumn: ValueColumn | undefined;
  private readonly laterKeys: Uint8Array[] = [];
  private readonly laterColumns: ValueColumn[] = [];
  /**
   * Every raw field key but the first, and every column by its unescaped name: looked up when a
   * field is not where the line before had it, so a line of thousands of new fields costs a
   * lookup each, not a pass over those before it.
   */
  private columnsByRawKey: Map<string, ValueColumn> | undefined;
  private columnsByName: Map<string, ValueColumn> | undefined;

  constructor(key: ParsedLineKey) {
    super(key.name, key.nameBytes, key.shard, key.tags);
    this.canonical = sameBytes(key.nameBytes, key.raw, 0, key.raw.length);
    this.tagNames = key.tagNames;
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
    const hint = this.laterKeys[position - 1];
    return hint === undefined ? -1 : prefixEnd(hint, buf, start, EQUALS);
  }

  /** The column `hintEnd` matched. */
  hinted(position: number): ValueColumn {
    return (position === 0 ? this.firstColumn : this.laterColumns[position - 1])!;
  }

  /** The column of field key `buf[start, end)`, made on its first use. */
  column(buf: Uint8Array, start: number, end: number): ValueColumn {
    if (this.isFirstKey(buf, start, end)) return this.firstColumn!;
    // The body is valid UTF-8 (checked before parsing), so different keys decode differently.
    const rawText = utf8Decoder.decode(buf.subarray(start, end));
    const seen = this.columnsByRawKey?.get(rawText);
    if (seen !== undefined) return seen;
    const name = unescapeFieldKey(buf, start, end);
    const text = utf8Decoder.decode(name);
    if (RESERVED_COLUMNS.has(text)) throw new LineSyntaxError(`field key '${text}' is reserved`);
    if (this.tagNames.has(text)) throw new LineSyntaxError(`field key '${text}' is also a tag key`);
    const column = this.columnNamed(text) ?? this.addColumn(name);
    // Made for a series' second column: most series never have one.
    if (this.columns.length > 1) (this.columnsByName ??= new Map(this.columns.map((c) => [utf8Decoder.decode(c.name), c]))).set(text, column);
    if (this.firstKeyAt < 0) {
      this.firstKeyAt = this.appendEntryBytes(buf, start, end);
      this.firstKeyLength = end - start;
      this.firstColumn = column;
    } else {
      this.laterKeys.push(new Uint8Array(buf.subarray(start, end)));
      this.laterColumns.push(column);
      (this.columnsByRawKey ??= new Map()).set(rawText, column);
    }
    return column;
  }

  /** The column named `text` (unescaped), if the series has one. */
  private columnNamed(text: string): ValueColumn | undefined {
    if (this.columnsByName !== undefined) return this.columnsByName.get(text);
    const only = this.columns[0];
    return only !== undefined && utf8Decoder.decode(only.name) === text ? only : undefined;
  }

  private isFirstKey(buf: Uint8Array, start: number, end: number): boolean {
    return this.firstKeyAt >= 0 && end - start === this.firstKeyLength && sameRange(this.entryBytes, this.firstKeyAt, buf, start, this.firstKeyLength);
  }
}
