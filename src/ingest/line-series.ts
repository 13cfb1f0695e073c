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

export class LineSeries {
  private readonly rows: SeriesRows;
  /** The request that last claimed the series. */
  private stamp = 0;
  /** Raw (escaped) field keys seen, each with its column; several may share one. */
  private readonly keys: Uint8Array[] = [];
  private readonly columns: ValueColumn[] = [];

  private constructor(private readonly key: LineSeriesKey) {
    this.rows = new SeriesRows(key.name, key.nameBytes, key.shard, key.tags);
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
    this.rows.reset();
    this.rows.shard = this.key.shard;
    return true;
  }

  get current(): SeriesRows {
    return this.rows;
  }

  /** Where the field key at `start` ends (at its `=`) if it is the one lines had at `position`; else -1. */
  hintEnd(buf: Uint8Array, start: number, position: number): number {
    const hint = this.keys[position];
    return hint === undefined ? -1 : prefixEnd(hint, buf, start, EQUALS);
  }

  /** The column `hintEnd` matched. */
  hinted(position: number): ValueColumn {
    return this.columns[position]!;
  }

  /** The column of field key `buf[start, end)`; `position` is its place in the line, the likeliest index. */
  column(buf: Uint8Array, start: number, end: number, position: number): ValueColumn {
    const hint = this.keys[position];
    if (hint !== undefined && sameBytes(hint, buf, start, end)) return this.columns[position]!;
    for (let i = 0; i < this.keys.length; i++) {
      if (sameBytes(this.keys[i]!, buf, start, end)) return this.columns[i]!;
    }
    const name = unescapeFieldKey(buf, start, end);
    const text = utf8Decoder.decode(name);
    if (RESERVED_COLUMNS.has(text)) throw new LineSyntaxError(`field key '${text}' is reserved`);
    if (this.key.tagNames.has(text)) throw new LineSyntaxError(`field key '${text}' is also a tag key`);
    const column = this.rows.columns.find((c) => sameBytes(c.name, name, 0, name.length)) ?? this.rows.addColumn(name);
    this.keys.push(new Uint8Array(buf.subarray(start, end)));
    this.columns.push(column);
    return column;
  }
}
