/**
 * One line-protocol series as the parse thread keeps it between requests: its rows
 * (series-rows.ts) and which column each raw field key of its lines fills. Series and their
 * fields repeat from request to request, so after the first request a line costs no
 * allocation and a field key one byte comparison.
 */
import { sameBytes } from '../util/utf8-names.js';
import { SeriesRows, type ConstantColumn, type ValueColumn } from './series-rows.js';
import { EQUALS, LineSyntaxError, prefixEnd, RESERVED_COLUMNS, unescapeFieldKey } from './line-syntax.js';

const utf8Decoder = new TextDecoder();

/** A line's series key as parsed once (line-series-key.ts keeps them in a table). */
export interface LineSeriesKey {
  readonly raw: Uint8Array;
  /** The series name (line-series-key.ts says how it is made from the key). */
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** The key is written exactly as its name (tags in order, no optional escapes). */
  readonly canonical: boolean;
  /** The tags as string columns, unescaped. */
  readonly tags: readonly ConstantColumn[];
  /** Unescaped tag keys, to refuse a field of the same name. */
  readonly tagNames: ReadonlySet<string>;
  db: string;
  shardCount: number;
  shard: number;
  /** The series' rows, kept from request to request (see `LineSeries.claim`). */
  series: LineSeries | undefined;
  /** The key's slot in its table (-1: not kept, or let go). */
  slot: number;
  /**
   * The key whose line came after this one's last time. A key the table lets go of drops its
   * own, so such a key keeps at most itself alive, never a chain.
   */
  next: LineSeriesKey | null;
}

export class LineSeries extends SeriesRows {
  /** The request that last claimed the series. */
  private stamp = 0;
  /**
   * Raw (escaped) field keys seen, each with its column; several may share one. The first
   * position's is held in fields of its own: most lines have one field, and an array is two
   * more objects to read (the array and its elements), each a cache miss on a parse thread
   * whose core the shards share.
   */
  private firstKey: Uint8Array | undefined;
  private firstColumn: ValueColumn | undefined;
  private readonly laterKeys: Uint8Array[] = [];
  private readonly laterColumns: ValueColumn[] = [];

  /** One object with its rows (it is them): a line of a new series reads one object less. */
  private constructor(private readonly key: LineSeriesKey) {
    super(key.name, key.nameBytes, key.shard, key.tags);
  }

  static of(key: LineSeriesKey): LineSeries {
    return (key.series ??= new LineSeries(key));
  }

  /**
   * Takes the series for request `stamp`, emptying it when the request first asks; true if it
   * did (the caller then lists the series).
   */
  claim(stamp: number): boolean {
    if (this.stamp === stamp) return false;
    this.stamp = stamp;
    this.reset();
    this.shard = this.key.shard;
    return true;
  }

  /** Where the field key at `start` ends (at its `=`) if it is the one lines had at `position`; else -1. */
  hintEnd(buf: Uint8Array, start: number, position: number): number {
    const hint = position === 0 ? this.firstKey : this.laterKeys[position - 1];
    return hint === undefined ? -1 : prefixEnd(hint, buf, start, EQUALS);
  }

  /** The column `hintEnd` matched. */
  hinted(position: number): ValueColumn {
    return (position === 0 ? this.firstColumn : this.laterColumns[position - 1])!;
  }

  /** The column of field key `buf[start, end)`; `position` is its place in the line, the likeliest index. */
  column(buf: Uint8Array, start: number, end: number, position: number): ValueColumn {
    const hint = position === 0 ? this.firstKey : this.laterKeys[position - 1];
    if (hint !== undefined && sameBytes(hint, buf, start, end)) return this.hinted(position);
    if (this.firstKey !== undefined && sameBytes(this.firstKey, buf, start, end)) return this.firstColumn!;
    for (let i = 0; i < this.laterKeys.length; i++) {
      if (sameBytes(this.laterKeys[i]!, buf, start, end)) return this.laterColumns[i]!;
    }
    const name = unescapeFieldKey(buf, start, end);
    const text = utf8Decoder.decode(name);
    if (RESERVED_COLUMNS.has(text)) throw new LineSyntaxError(`field key '${text}' is reserved`);
    if (this.key.tagNames.has(text)) throw new LineSyntaxError(`field key '${text}' is also a tag key`);
    const column = this.columns.find((c) => sameBytes(c.name, name, 0, name.length)) ?? this.addColumn(name);
    const raw = new Uint8Array(buf.subarray(start, end));
    if (this.firstKey === undefined) {
      this.firstKey = raw;
      this.firstColumn = column;
    } else {
      this.laterKeys.push(raw);
      this.laterColumns.push(column);
    }
    return column;
  }
}
