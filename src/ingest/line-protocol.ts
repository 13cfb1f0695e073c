/**
 * Parses an InfluxDB line-protocol body (`POST /write`) into one write batch per shard, the
 * same batches the 0.8 JSON body becomes, in one pass over the bytes on a parse thread.
 *
 *   measurement[,tag=value…] field=value[,field=value…] [timestamp]
 *
 * Fields are floats (`1`, `-1.5e3`), integers (`1i`, exact to 64 bits), unsigned integers
 * (`1u`, stored as integers: up to 2^63−1), booleans (`t T true True TRUE`, `f …`) and
 * strings (`"…"` with `\"` and `\\`); the series name and tag columns come from
 * `line-series-key.ts`. A point without a timestamp gets the request's server time. Blank
 * lines and `#` comments are skipped, CRLF is accepted. Any bad line fails the whole body.
 */
import { isUtf8 } from 'node:buffer';
import { MICROS_PER_LINE_UNIT, type LinePrecision } from './line-precision.js';
import type { LineSeries } from './line-series.js';
import { LineSeriesKeys } from './line-series-key.js';
import { LineSyntaxError } from './line-syntax.js';
import { rowArena } from './row-arena.js';
import { commitRows, type RowBatches } from './row-batches.js';
import type { SeriesRows, ValueColumn } from './series-rows.js';
import { END_WRITE_TIME_US, MIN_WRITE_TIME_US } from './write-time-range.js';

export interface LineParseOptions {
  readonly db: string;
  readonly precision: LinePrecision;
  /** Time of every point without a timestamp, in µs since the epoch. */
  readonly nowUs: number;
  readonly shardCount: number;
  /** Whether to list the series written, which only a permission check needs (default: list them). */
  readonly listSeries?: boolean;
}

export type LineParseResult = ({ readonly ok: true } & RowBatches) | { readonly ok: false; readonly message: string };

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const HASH = 0x23;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
/** FNV-1a, hashed over a key's bytes while finding where it ends. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const MAX_SAFE = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Exact powers of ten: a mantissa below 2^53 divided by one is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TRUE_WORDS = ['t', 'T', 'true', 'True', 'TRUE'];
const FALSE_WORDS = ['f', 'F', 'false', 'False', 'FALSE'];
/** Longest line text quoted in an error. */
const QUOTED_LINE_CHARS = 120;

const keys = new LineSeriesKeys();
/** Tells one request's series from the last one's (see `LineSeries.claim`). */
let requestStamp = 0;
const utf8Decoder = new TextDecoder();

class LineParser {
  private line = 1;
  private lineStart = 0;
  private pointCount = 0;
  private readonly series: SeriesRows[] = [];
  private readonly stamp = ++requestStamp;
  private lastSeries: LineSeries | null = null;
  private namesMayRepeat = false;
  /** µs per timestamp unit; nanoseconds drop their last three digits instead. */
  private readonly unitMicros: number;
  private readonly nanoseconds: boolean;
  /** The time of points without one: the request's, truncated to the precision. */
  private readonly nowUs: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly options: LineParseOptions,
  ) {
    this.nanoseconds = options.precision === 'n';
    this.unitMicros = options.precision === 'n' ? 1 : MICROS_PER_LINE_UNIT[options.precision];
    // 1.x truncates a point's default time to the precision too: `precision=h` stores the hour.
    this.nowUs = options.nowUs - (((options.nowUs % this.unitMicros) + this.unitMicros) % this.unitMicros);
  }

  /** The request is over: its series keep nothing of its body (SeriesRows.releaseStrings). */
  releaseRows(): void {
    for (const rows of this.series) rows.releaseStrings();
  }

  parse(): RowBatches {
    this.parseLines();
    return commitRows(this.options.db, this.options.shardCount, this.series, this.options.listSeries === false ? 'none' : this.namesMayRepeat ? 'distinct' : 'all');
  }

  /**
   * Apart from `parse`: V8 compiles this loop while it runs (on-stack replacement), and code
   * after the loop in the same function, compiled before it ever ran, was thrown away again at
   * the end of every body.
   */
  private parseLines(): void {
    const buf = this.buf;
    const end = buf.length;
    let pos = 0;
    while (pos < end) {
      const c = buf[pos]!;
      if (c === NEWLINE) {
        pos++;
        this.line++;
      } else if (c === SPACE || c === TAB || c === RETURN) {
        pos++;
      } else if (c === HASH) {
        const next = buf.indexOf(NEWLINE, pos);
        pos = next < 0 ? end : next;
      } else {
        this.lineStart = pos;
        pos = this.parsePoint(pos);
      }
    }
  }

  /** The message for an error in the current line, or in the line starting at `lineStart` (numbered `line`). */
  describe(reason: string, at?: { readonly line: number; readonly lineStart: number }): string {
    if (at !== undefined) {
      this.line = at.line;
      this.lineStart = at.lineStart;
    }
    const buf = this.buf;
    let end = buf.indexOf(NEWLINE, this.lineStart);
    if (end < 0) end = buf.length;
    if (end > this.lineStart && buf[end - 1] === RETURN) end--;
    let text = utf8Decoder.decode(buf.subarray(this.lineStart, Math.min(end, this.lineStart + 4 * QUOTED_LINE_CHARS)));
    if (text.length > QUOTED_LINE_CHARS) text = `${text.slice(0, QUOTED_LINE_CHARS)}…`;
    return `unable to parse line ${this.line}: ${reason}: '${text}'`;
  }

  /**
   * A line of another series than the last one's: its series, found first as the one that came
   * after the last one the previous time (a time-ordered body names its series in the same
   * order at every timestamp; held by reference, a slot of the table would be one more cache
   * miss), else by its key's hash in the key table. Sets lastSeries; returns where the key ends.
   */
  private nextKey(keyStart: number): number {
    const buf = this.buf;
    const end = buf.length;
    const { db, shardCount } = this.options;
    const previous = this.lastSeries;
    const guess = previous === null ? null : previous.next;
    let keyEnd = guess !== null && guess.slot >= 0 && guess.db === db && guess.shardCount === shardCount ? guess.keyEnd(buf, keyStart) : -1;
    let series: LineSeries;
    if (keyEnd >= 0) {
      series = guess!;
    } else {
      let hash = FNV_OFFSET;
      let i = keyStart;
      while (i < end) {
        const c = buf[i]!;
        if (c === SPACE || c === NEWLINE) break;
        hash = Math.imul(hash ^ c, FNV_PRIME);
        if (c === BACKSLASH && i + 1 < end) hash = Math.imul(hash ^ buf[i + 1]!, FNV_PRIME);
        i += c === BACKSLASH ? 2 : 1;
      }
      keyEnd = Math.min(i, end);
      if (keyEnd === end || buf[keyEnd] === NEWLINE) throw new LineSyntaxError('missing fields');
      series = keys.resolve(buf, keyStart, keyEnd, hash, db, shardCount);
      if (previous !== null) previous.next = series.slot >= 0 ? series : null;
    }
    // Another key of the same name can be in this request only if this one is not written as
    // its name, or is new (it may replace one the table let go of earlier in the request).
    if (!series.canonical || series.isNew()) this.namesMayRepeat = true;
    this.lastSeries = series;
    if (series.claim(this.stamp)) this.series.push(series);
    return keyEnd;
  }

  /** The point starting at `keyStart`; returns where its line ends (at the newline or the end). */
  private parsePoint(keyStart: number): number {
    const buf = this.buf;
    const end = buf.length;
    // Lines of one series usually come together: the previous line's key is tried first,
    // compared in the same pass that finds where this line's key ends.
    let series = this.lastSeries;
    let keyEnd = series === null ? -1 : series.keyEnd(buf, keyStart);
    if (keyEnd < 0) {
      keyEnd = this.nextKey(keyStart);
      series = this.lastSeries;
    }
    const rows = series!;
    let pos = keyEnd + 1;
    while (buf[pos] === SPACE || buf[pos] === TAB) pos++;
    const row = rows.addRow(this.nowUs, this.pointCount);
    this.pointCount++;
    let position = 0;
    for (;;) {
      const fieldStart = pos;
      // The field a line had at this position last time, compared while finding the `=`.
      let p = series!.hintEnd(buf, fieldStart, position);
      let column: ValueColumn;
      if (p >= 0) {
        column = series!.hinted(position);
      } else {
        p = fieldStart;
        while (p < end) {
          const c = buf[p]!;
          if (c === EQUALS || c === COMMA || c === SPACE || c === NEWLINE) break;
          p += c === BACKSLASH ? 2 : 1;
        }
        if (p >= end || buf[p] !== EQUALS) throw new LineSyntaxError(p === fieldStart ? 'missing fields' : 'missing field value');
        if (p === fieldStart) throw new LineSyntaxError('missing field key');
        column = series!.column(buf, fieldStart, p);
      }
      if (column.has(row)) throw new LineSyntaxError(`duplicate field '${utf8Decoder.decode(column.name)}'`);
      pos = this.parseValue(column, row, p + 1);
      position++;
      if (buf[pos] !== COMMA) break;
      pos++;
    }
    const c = buf[pos];
    if (c === SPACE || c === TAB) {
      do pos++;
      while (buf[pos] === SPACE || buf[pos] === TAB);
      const t = buf[pos];
      if (t !== undefined && t !== NEWLINE && t !== RETURN) {
        pos = this.parseTimestamp(rows, row, pos);
        while (buf[pos] === SPACE || buf[pos] === TAB) pos++;
      }
    }
    if (buf[pos] === RETURN) pos++;
    if (pos < end && buf[pos] !== NEWLINE) throw new LineSyntaxError('unexpected text after the point');
    return pos;
  }

  /**
   * The value at `start` into `column`; returns where it ends. Plain decimals and short
   * integers, nearly every value, are read in one pass over their digits; anything else goes
   * to `parseOtherValue`.
   */
  private parseValue(column: ValueColumn, row: number, start: number): number {
    const buf = this.buf;
    let i = start;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    let mantissa = 0;
    const digitsAt = i;
    let d = buf[i]! - 0x30;
    while (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      d = buf[++i]! - 0x30;
    }
    const integerDigits = i - digitsAt;
    let c = buf[i];
    if (c === DOT) {
      const dotAt = i;
      d = buf[++i]! - 0x30;
      while (d >= 0 && d <= 9) {
        mantissa = mantissa * 10 + d;
        d = buf[++i]! - 0x30;
      }
      const scale = i - dotAt - 1;
      if (isValueEnd(buf[i]) && integerDigits + scale > 0 && integerDigits + scale <= 15) {
        const value = mantissa / POW10[scale]!;
        column.setFloat(row, negative ? -value : value);
        return i;
      }
    } else if (integerDigits > 0 && integerDigits <= 15) {
      if (isValueEnd(c)) {
        column.setFloat(row, negative ? -mantissa : mantissa);
        return i;
      }
      if ((c === 0x69 || (c === 0x75 && !negative)) && isValueEnd(buf[i + 1])) {
        column.setSmallInt(row, negative ? -mantissa : mantissa);
        return i + 1;
      }
    }
    return this.parseOtherValue(column, row, start);
  }

  /** Strings, booleans, long numbers, exponents and every malformed value. */
  private parseOtherValue(column: ValueColumn, row: number, start: number): number {
    const buf = this.buf;
    const end = buf.length;
    let pos = start;
    if (buf[pos] === QUOTE) {
      const from = ++pos;
      let escaped = false;
      for (;;) {
        if (pos >= end) throw new LineSyntaxError('unterminated string field');
        const c = buf[pos]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          escaped = true;
          pos++;
        } else if (c === NEWLINE) {
          this.line++;
        }
        pos++;
      }
      column.setString(row, escaped ? unescapeString(buf, from, pos) : buf.subarray(from, pos));
      pos++;
      const after = buf[pos];
      if (after !== undefined && after !== COMMA && after !== SPACE && after !== TAB && after !== NEWLINE && after !== RETURN) {
        throw new LineSyntaxError('unexpected text after a string field');
      }
      return pos;
    }
    let p = start;
    while (p < end && !isValueEnd(buf[p])) p++;
    if (p === start) throw new LineSyntaxError('missing field value');
    const first = buf[start]!;
    const last = buf[p - 1]!;
    if (first === 0x74 || first === 0x54 || first === 0x66 || first === 0x46) {
      const word = this.text(start, p);
      if (TRUE_WORDS.includes(word)) column.setBool(row, true);
      else if (FALSE_WORDS.includes(word)) column.setBool(row, false);
      else throw new LineSyntaxError(`invalid boolean '${word}'`);
    } else if (last === 0x69) {
      this.parseInteger(column, row, start, p - 1, true);
    } else if (last === 0x75) {
      this.parseInteger(column, row, start, p - 1, false);
    } else {
      column.setFloat(row, this.parseFloat(start, p));
    }
    return p;
  }
  /** `[-]digits` before an `i` (signed) or `u` suffix. */
  private parseInteger(column: ValueColumn, row: number, start: number, end: number, signed: boolean): void {
    const buf = this.buf;
    const negative = buf[start] === MINUS;
    if (negative && !signed) throw new LineSyntaxError(`invalid unsigned integer '${this.text(start, end + 1)}'`);
    const digitsAt = negative ? start + 1 : start;
    if (digitsAt === end) throw new LineSyntaxError(`invalid integer '${this.text(start, end + 1)}'`);
    let value = 0;
    for (let i = digitsAt; i < end; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) throw new LineSyntaxError(`invalid integer '${this.text(start, end + 1)}'`);
      value = value * 10 + d;
    }
    if (end - digitsAt <= 15) {
      column.setSmallInt(row, negative ? -value : value);
      return;
    }
    const big = BigInt(this.text(start, end));
    if (big > INT64_MAX) {
      throw new LineSyntaxError(signed ? `integer out of range '${this.text(start, end + 1)}'` : `unsigned integer above 9223372036854775807 (the largest 0.8 integer) '${this.text(start, end + 1)}'`);
    }
    if (big < INT64_MIN) throw new LineSyntaxError(`integer out of range '${this.text(start, end + 1)}'`);
    column.setBigInt(row, big);
  }

  /** `[-]digits[.digits][e[+-]digits]`, also `1.` and `.5`; short decimals without a string. */
  private parseFloat(start: number, end: number): number {
    const buf = this.buf;
    let i = start;
    const negative = buf[i] === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    for (let d = buf[i]! - 0x30; i < end && d >= 0 && d <= 9; d = buf[++i]! - 0x30) {
      mantissa = mantissa * 10 + d;
      digits++;
    }
    if (buf[i] === DOT && i < end) {
      for (let d = buf[++i]! - 0x30; i < end && d >= 0 && d <= 9; d = buf[++i]! - 0x30) {
        mantissa = mantissa * 10 + d;
        digits++;
        scale++;
      }
    }
    if (digits === 0) throw new LineSyntaxError(`invalid number '${this.text(start, end)}'`);
    if (i === end && digits <= 15 && scale < POW10.length) {
      const value = scale === 0 ? mantissa : mantissa / POW10[scale]!;
      return negative ? -value : value;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++;
      if (buf[i] === 0x2b || buf[i] === MINUS) i++;
      const exponentAt = i;
      while (i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
      if (i === exponentAt) throw new LineSyntaxError(`invalid number '${this.text(start, end)}'`);
    }
    if (i !== end) throw new LineSyntaxError(`invalid number '${this.text(start, end)}'`);
    const value = Number(this.text(start, end));
    if (!Number.isFinite(value)) throw new LineSyntaxError(`number out of range '${this.text(start, end)}'`);
    return value;
  }

  /**
   * The timestamp at `start` into `row`'s time; returns where it ends. Plain digits are read
   * in one pass; anything else (a sign, more than 2^53 units, stray bytes) goes to
   * `parseOtherTimestamp`.
   */
  private parseTimestamp(rows: SeriesRows, row: number, start: number): number {
    const buf = this.buf;
    let i = start;
    // Nanoseconds drop their last three digits: `kept` trails `value` by three digits.
    let value = 0;
    let kept1 = 0;
    let kept2 = 0;
    let kept3 = 0;
    let d = buf[i]! - 0x30;
    while (d >= 0 && d <= 9) {
      kept3 = kept2;
      kept2 = kept1;
      kept1 = value;
      value = value * 10 + d;
      d = buf[++i]! - 0x30;
    }
    const units = this.nanoseconds ? kept3 : value;
    const c = buf[i];
    const ended = c === SPACE || c === NEWLINE || c === TAB || c === RETURN || c === undefined;
    if (ended && i > start && i - start <= 19 && units < MAX_SAFE) {
      const us = units * this.unitMicros;
      if (us < END_WRITE_TIME_US) {
        rows.setTime(row, us);
        return i;
      }
    }
    const end = timestampEnd(buf, start);
    rows.setTime(row, this.parseOtherTimestamp(start, end));
    return end;
  }

  /** The integer timestamp `buf[start, end)` in the request's precision → µs, sub-µs digits truncated toward zero. */
  private parseOtherTimestamp(start: number, end: number): number {
    const buf = this.buf;
    const negative = buf[start] === MINUS;
    const digitsAt = negative ? start + 1 : start;
    const digits = end - digitsAt;
    if (digits === 0 || digits > 19) throw new LineSyntaxError(`invalid timestamp '${this.text(start, end)}'`);
    let value = 0;
    // Nanoseconds: the last three digits are below a microsecond.
    const kept = this.nanoseconds ? Math.max(digitsAt, end - 3) : end;
    for (let i = digitsAt; i < end; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) throw new LineSyntaxError(`invalid timestamp '${this.text(start, end)}'`);
      if (i < kept) value = value * 10 + d;
    }
    if (value >= MAX_SAFE) {
      const big = BigInt(this.text(start, end));
      value = Number(negative ? -big : big) / (this.nanoseconds ? 1000 : 1);
      value = Math.abs(Math.trunc(value));
    }
    const us = (negative ? -value : value) * this.unitMicros + 0;
    if (!(us >= MIN_WRITE_TIME_US && us < END_WRITE_TIME_US)) throw new LineSyntaxError(`timestamp out of range '${this.text(start, end)}'`);
    return us;
  }

  private text(start: number, end: number): string {
    return utf8Decoder.decode(this.buf.subarray(start, end));
  }
}

/** A timestamp runs to the next blank or line end. */
function timestampEnd(buf: Uint8Array, start: number): number {
  let p = start;
  while (p < buf.length) {
    const c = buf[p];
    if (c === SPACE || c === TAB || c === NEWLINE || c === RETURN) break;
    p++;
  }
  return p;
}

/** Whether `c` (undefined past the body's end) ends an unquoted field value. */
function isValueEnd(c: number | undefined): boolean {
  return c === COMMA || c === SPACE || c === NEWLINE || c === TAB || c === RETURN || c === undefined;
}

/** A string field's bytes with `\"` and `\\` unescaped; any other backslash is kept, as 1.x does. */
function unescapeString(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let length = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === BACKSLASH && (buf[i + 1] === QUOTE || buf[i + 1] === BACKSLASH)) {
      out[length++] = buf[++i]!;
    } else {
      out[length++] = c;
    }
  }
  return out.subarray(0, length);
}

export function parseLineProtocol(body: Uint8Array, options: LineParseOptions): LineParseResult {
  rowArena.clear();
  // A plain view of a Buffer (an inflated body is one): each key of a new series takes views
  // of its tags, and a Buffer's subarray goes through Node's own constructor, several times
  // slower than a Uint8Array's.
  if (Buffer.isBuffer(body)) body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const parser = new LineParser(body, options);
  // 1.x keeps names' bytes as they come; a name here is a string, and decoding bytes that are
  // not UTF-8 would turn different ones into the same U+FFFD, merging series unseen. So such a
  // body is refused, naming the line (checked natively, at many GB/s, before the byte loop).
  if (!isUtf8(body)) return { ok: false, message: parser.describe('invalid UTF-8', firstLineNotUtf8(body)) };
  try {
    return { ok: true, ...parser.parse() };
  } catch (error) {
    if (error instanceof LineSyntaxError) return { ok: false, message: parser.describe(error.message) };
    throw error;
  } finally {
    parser.releaseRows();
  }
}

/** The first line of `body` that is not valid UTF-8: its number (from 1) and where it starts. */
function firstLineNotUtf8(body: Uint8Array): { line: number; lineStart: number } {
  let line = 1;
  for (let lineStart = 0; lineStart < body.length; line++) {
    let end = body.indexOf(NEWLINE, lineStart);
    if (end < 0) end = body.length;
    if (!isUtf8(body.subarray(lineStart, end))) return { line, lineStart };
    lineStart = end + 1;
  }
  return { line, lineStart: 0 };
}
