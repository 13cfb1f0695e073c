/**
 * One line-protocol series as the parse thread keeps it between requests: its rows
 * (series-rows.ts) and which column each raw field key of its lines fills. Series and their
 * fields repeat from request to request, so after the first request a line costs no
 * allocation and a field key one byte comparison.
 */
import { LineSyntaxError, prefixEnd, RESERVED_COLUMNS, unescapeFieldKey, type LineSeriesKey } from './line-series-key.js';
import { sameBytes } from '../util/utf8-names.js';
import { SeriesRows, type ValueColumn } from './series-rows.js';

const utf8Decoder = new TextDecoder();
const EQUALS = 0x3d;

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
