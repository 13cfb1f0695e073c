/**
 * Parses the body of `POST /db/:db/series` (http-api.md §4) straight into one binary write
 * batch per shard (storage/write-batch.ts), in a single pass over the bytes.
 *
 * The scanner never builds a value tree: each point's values go into reusable column-major
 * scratch arrays, and when a series object ends its rows are copied into the batch of the
 * shard that owns the series. Runs of identical `columns` arrays (the common case) are
 * recognised by comparing bytes, so their names are decoded once per body.
 *
 * Errors follow 0.8's order: the JSON decoder's error (first syntax error anywhere, else the
 * first value of the wrong JSON type), then the first conversion error in body order
 * (`invalid payload`, bad `time`/`sequence_number`, unknown value type), then validation
 * (empty series name, duplicate columns, time out of range). Any error means no batches.
 */
import { ValueKind } from '../storage/columns.js';
import { shardOf } from '../storage/router.js';
import { MAX_SEQUENCE_NUMBER } from '../storage/sequence-numbers.js';
import { WriteBatchBuilder } from '../storage/write-batch.js';
import { MICROS_PER_UNIT, type TimePrecision } from '../time-precision.js';
import { findDecodeError, SeriesField, seriesField } from './body-shape.js';
import { describeGoValue } from './go-value.js';
import { JsonScanner, JsonSyntaxError, NumberKind, StringFlag } from './json-scanner.js';
import { isIntegralLiteral, sequenceNumberOutOfRange } from './sequence-number-literal.js';
import { SeriesNameTable } from './series-names.js';
import { copyBytes, copyFloats, copyWords } from './short-copy.js';
import { END_WRITE_TIME_US as END_TIME_US, MIN_WRITE_TIME_US as MIN_TIME_US } from './write-time-range.js';

export interface ParseOptions {
  readonly db: string;
  readonly precision: TimePrecision;
  /** Time given to every point of the request that has none, in µs since the epoch. */
  readonly nowUs: number;
  readonly shardCount: number;
  /**
   * Whether to list the series written (`seriesNames`), which only a permission check needs:
   * finding a name's string is one more cache miss per series object. Default true.
   */
  readonly listSeries?: boolean;
}

/** A failed parse always answers 400. */
export type ParseResult =
  | {
      readonly ok: true;
      readonly pointCount: number;
      /** Points that need a sequence number from the server: ordinals 0 … this − 1 of the batches. */
      readonly unnumberedCount: number;
      /** Distinct names of the series written, in body order (for permission checks); empty unless `listSeries`. */
      readonly seriesNames: string[];
      /** Index = shard; null for a shard the request doesn't touch. */
      readonly batches: (Uint8Array | null)[];
    }
  | {
      readonly ok: false;
      readonly message: string;
      /** A body that decoded but failed validation (http-api.md §4.7 step 8, after the database check). */
      readonly invalid?: true;
    };


const TIME_ROLE = -1;
const SEQUENCE_ROLE = -2;

const NAME_KEY = new TextEncoder().encode('"name"');
const COLUMNS_KEY = new TextEncoder().encode('"columns"');
const POINTS_KEY = new TextEncoder().encode('"points"');

const UNKNOWN_OBJECT = 'Unknown type map[string]interface {}';
const UNKNOWN_ARRAY = 'Unknown type []interface {}';

/** Scratch space above this size is not kept for the next request. */
const MAX_RETAINED_BYTES = 4 << 20;

/** A point that 0.8 refused to convert; reported only if the JSON itself decodes. */
class ConversionError extends Error {}

/** A value of the wrong JSON type; `findDecodeError` supplies the exact message. */
class ShapeError extends Error {
  constructor() {
    super('invalid payload');
  }
}

/** One `columns` array: which column is `time`, which `sequence_number`, which store values. */
class ColumnList {
  /** Per column: index among the stored columns, or TIME_ROLE / SEQUENCE_ROLE. */
  readonly roles: Int32Array;
  /** UTF-8 names of the stored columns. */
  readonly storedNames: Uint8Array[] = [];
  readonly hasTime: boolean;
  readonly hasSequence: boolean;
  readonly hasDuplicates: boolean;

  constructor(names: readonly string[], encoded: readonly Uint8Array[]) {
    this.roles = new Int32Array(names.length);
    names.forEach((name, i) => {
      if (name === 'time') {
        this.roles[i] = TIME_ROLE;
      } else if (name === 'sequence_number') {
        this.roles[i] = SEQUENCE_ROLE;
      } else {
        this.roles[i] = this.storedNames.length;
        this.storedNames.push(encoded[i]!);
      }
    });
    this.hasTime = names.includes('time');
    this.hasSequence = names.includes('sequence_number');
    this.hasDuplicates = new Set(names).size !== names.length;
  }

  get storedCount(): number {
    return this.storedNames.length;
  }
}

const NO_COLUMNS = new ColumnList([], []);

/**
 * Rows of the series object being parsed, column-major: stored column `c`, row `r` is slot
 * `c * capacity + r`. `values`, `words` and `ints` view the same bytes.
 */
class RowScratch {
  capacity = 0;
  columnCapacity = 0;
  time = new Float64Array(0);
  seq = new Float64Array(0);
  values = new Float64Array(0);
  words = new Int32Array(0);
  ints = new BigInt64Array(0);
  kinds = new Uint8Array(0);
  /** Per stored column: (start, end, flags) of each string value, in string-index order. */
  strings: number[][] = [];

  constructor() {
    this.resize(64, 4, 0, 0);
  }

  get byteSize(): number {
    return this.capacity * (16 + 9 * this.columnCapacity);
  }

  /** Makes room for `columns` stored columns; the rows held are dropped. */
  ensureColumns(columns: number): void {
    if (columns > this.columnCapacity) this.resize(this.capacity, Math.max(columns, this.columnCapacity * 2), 0, 0);
  }

  /** Makes room for row `rows` without losing the rows before it. */
  grow(rows: number, used: number): void {
    let capacity = this.capacity * 2;
    while (capacity <= rows) capacity *= 2;
    this.resize(capacity, this.columnCapacity, rows, used);
  }

  private resize(capacity: number, columnCapacity: number, rows: number, used: number): void {
    const old = { capacity: this.capacity, time: this.time, seq: this.seq, words: this.words, kinds: this.kinds };
    const buffer = new ArrayBuffer(capacity * columnCapacity * 8);
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.values = new Float64Array(buffer);
    this.words = new Int32Array(buffer);
    this.ints = new BigInt64Array(buffer);
    this.kinds = new Uint8Array(capacity * columnCapacity);
    this.time.set(old.time.subarray(0, rows));
    this.seq.set(old.seq.subarray(0, rows));
    for (let c = 0; c < used; c++) {
      this.words.set(old.words.subarray(2 * c * old.capacity, 2 * (c * old.capacity + rows)), 2 * c * capacity);
      this.kinds.set(old.kinds.subarray(c * old.capacity, c * old.capacity + rows), c * capacity);
    }
    while (this.strings.length < columnCapacity) this.strings.push([]);
    this.capacity = capacity;
    this.columnCapacity = columnCapacity;
  }
}

/** Reused across requests: a parse worker handles one body at a time. */
let scratch = new RowScratch();
const builderPool: WriteBatchBuilder[] = [];
const knownSeries = new SeriesNameTable();

class BodyParser extends JsonScanner {
  pointCount = 0;
  unnumberedCount = 0;
  readonly seriesNames: string[] = [];
  /** The first validation error (0.8 step 8); conversion errors found later still win. */
  validationError: string | null = null;

  private readonly db: string;
  private readonly shardCount: number;
  private readonly listSeries: boolean;
  private readonly nowUs: number;
  private readonly unit: number;
  private readonly builders: (WriteBatchBuilder | undefined)[];
  /** Non-ASCII series names listed so far (ASCII ones are tracked by `knownSeries`). */
  private readonly seen = new Set<string>();

  /** Columns of the points being parsed, and the rows parsed so far. */
  private columns = NO_COLUMNS;
  private rows = 0;
  /** Stored columns whose string lists may be non-empty (all, after a request that failed). */
  private dirtyColumns = scratch.strings.length;
  private timeOutOfRange = false;
  /** The first conversion error in the current point; thrown once the point is complete. */
  private pointError: string | null = null;

  /** The last parsed `columns` array and where its bytes are in the body. */
  private lastColumns = NO_COLUMNS;
  private lastColumnsStart = 0;
  private lastColumnsEnd = 0;

  constructor(body: Uint8Array, options: ParseOptions) {
    super(body);
    this.db = options.db;
    this.shardCount = options.shardCount;
    this.listSeries = options.listSeries ?? true;
    this.nowUs = options.nowUs;
    this.unit = MICROS_PER_UNIT[options.precision];
    this.builders = new Array<WriteBatchBuilder | undefined>(options.shardCount);
    knownSeries.beginRequest(options.db, options.shardCount);
  }

  parseBody(): void {
    const buf = this.buf;
    this.skipWs();
    const c = buf[this.pos];
    if (c === 0x6e) {
      this.scanLiteral();
    } else if (c === 0x5b) {
      if (this.enter(0x5d)) {
        do {
          const element = buf[this.pos];
          if (element === 0x7b) this.parseSeries();
          else if (element === 0x6e) this.scanLiteral();
          else throw new ShapeError();
        } while (this.nextElement());
      }
    } else {
      throw new ShapeError();
    }
    this.skipWs();
    if (this.pos < this.end) this.fail('after top-level value');
  }

  /** The finished batch of every shard touched; the builders go back to the pool. */
  finish(): (Uint8Array | null)[] {
    const batches: (Uint8Array | null)[] = [];
    for (let shard = 0; shard < this.shardCount; shard++) {
      const builder = this.builders[shard];
      if (builder === undefined) {
        batches.push(null);
        continue;
      }
      batches.push(builder.finish());
      if (builder.bytes.length > MAX_RETAINED_BYTES) builderPool[shard] = new WriteBatchBuilder();
    }
    return batches;
  }

  /** At `{`: one series object. Keys may come in any order; the last of a repeated key wins. */
  private parseSeries(): void {
    const buf = this.buf;
    let nameStart = 0;
    let nameEnd = 0;
    let nameFlags = 0;
    let columns: ColumnList | null = null;
    /** Where the `points` array starts, and the columns it was parsed with (null: skipped). */
    let pointsAt = -1;
    let pointsColumns: ColumnList | null = null;
    this.startPoints(NO_COLUMNS);

    if (!this.enter(0x7d)) return;
    do {
      if (buf[this.pos] !== 0x22) this.fail('looking for beginning of object key string');
      let field = this.exactKey();
      if (field === SeriesField.Other) {
        this.scanString();
        field = seriesField(this);
      }
      this.afterKey();
      const c = buf[this.pos];
      if (field === SeriesField.Other) {
        this.skipValue();
      } else if (c === 0x6e) {
        // Like Go: null empties a slice field and leaves a string field as it was.
        this.scanLiteral();
        if (field === SeriesField.Columns) columns = NO_COLUMNS;
        else if (field === SeriesField.Points) pointsAt = -1;
      } else if (field === SeriesField.Name) {
        if (c !== 0x22) throw new ShapeError();
        this.scanString();
        nameStart = this.strStart;
        nameEnd = this.strEnd;
        nameFlags = this.strFlags;
      } else if (c !== 0x5b) {
        throw new ShapeError();
      } else if (field === SeriesField.Columns) {
        columns = this.parseColumns();
      } else {
        pointsAt = this.pos;
        pointsColumns = columns;
        if (columns === null) {
          this.skipValue();
        } else {
          this.startPoints(columns);
          this.parsePoints();
        }
      }
    } while (this.nextMember());

    if (pointsAt < 0) return;
    columns ??= NO_COLUMNS;
    if (pointsColumns !== columns) {
      const resumeAt = this.pos;
      this.pos = pointsAt;
      this.startPoints(columns);
      this.parsePoints();
      this.pos = resumeAt;
    }
    if (this.rows > 0) this.commitSeries(nameStart, nameEnd, nameFlags);
  }

  /** At `"`: moves past the key if it is exactly `"name"`, `"columns"` or `"points"`. */
  private exactKey(): SeriesField {
    const buf = this.buf;
    const p = this.pos;
    const c = buf[p + 1];
    const key = c === 0x6e ? NAME_KEY : c === 0x63 ? COLUMNS_KEY : c === 0x70 ? POINTS_KEY : null;
    if (key === null || p + key.length > this.end) return SeriesField.Other;
    for (let i = 2; i < key.length; i++) if (buf[p + i] !== key[i]) return SeriesField.Other;
    this.pos = p + key.length;
    return key === NAME_KEY ? SeriesField.Name : key === COLUMNS_KEY ? SeriesField.Columns : SeriesField.Points;
  }

  /** At `[`: a `columns` array, reusing the previous one when its bytes are identical. */
  private parseColumns(): ColumnList {
    const buf = this.buf;
    const start = this.pos;
    const length = this.lastColumnsEnd - this.lastColumnsStart;
    if (start + length <= this.end && length > 0) {
      const previous = this.lastColumnsStart;
      let i = 0;
      while (i < length && buf[start + i] === buf[previous + i]) i++;
      if (i === length) {
        this.pos = start + length;
        return this.lastColumns;
      }
    }

    const names: string[] = [];
    const encoded: Uint8Array[] = [];
    if (this.enter(0x5d)) {
      do {
        const c = buf[this.pos];
        if (c === 0x22) {
          this.scanString();
          const { strStart, strEnd, strFlags } = this;
          names.push(this.stringValue(strStart, strEnd, strFlags));
          if ((strFlags & StringFlag.Escaped) === 0) {
            encoded.push(new Uint8Array(buf.subarray(strStart, strEnd)));
          } else {
            encoded.push(this.unescape(strStart, strEnd).slice());
          }
        } else if (c === 0x6e) {
          this.scanLiteral();
          names.push('');
          encoded.push(new Uint8Array(0));
        } else {
          throw new ShapeError();
        }
      } while (this.nextElement());
    }
    this.lastColumns = new ColumnList(names, encoded);
    this.lastColumnsStart = start;
    this.lastColumnsEnd = this.pos;
    return this.lastColumns;
  }

  /** Forgets the rows of the current series object before (re)parsing its points. */
  private startPoints(columns: ColumnList): void {
    for (let c = 0; c < this.dirtyColumns; c++) {
      const strings = scratch.strings[c]!;
      if (strings.length !== 0) strings.length = 0;
    }
    this.dirtyColumns = columns.storedCount;
    this.columns = columns;
    this.rows = 0;
    this.timeOutOfRange = false;
    scratch.ensureColumns(columns.storedCount);
  }

  /** At `[`: the `points` array. */
  private parsePoints(): void {
    const buf = this.buf;
    if (!this.enter(0x5d)) return;
    do {
      const c = buf[this.pos];
      if (c === 0x5b) {
        this.parsePoint();
      } else if (c === 0x6e) {
        // A null point decodes as an empty one.
        this.scanLiteral();
        if (this.columns.roles.length !== 0) throw new ConversionError('invalid payload');
        // Nothing to store but its time and sequence number, which come from the server.
        this.rows++;
      } else {
        throw new ShapeError();
      }
    } while (this.nextElement());
  }

  /** At `[`: one point, its values in `columns` order. */
  private parsePoint(): void {
    const roles = this.columns.roles;
    const width = roles.length;
    const row = this.rows;
    if (row >= scratch.capacity) scratch.grow(row, this.columns.storedCount);
    let count = 0;
    if (this.enter(0x5d)) {
      do {
        if (count < width) {
          const role = roles[count]!;
          if (role >= 0) this.parseValue(role, row);
          else if (role === TIME_ROLE) this.parseTime(row);
          else this.parseSequenceNumber(row);
        } else {
          this.skipValue();
        }
        count++;
      } while (this.nextElement());
    }
    // 0.8 checked the length of a point before converting any of its values.
    if (count !== width) throw new ConversionError('invalid payload');
    if (this.pointError !== null) throw new ConversionError(this.pointError);
    this.rows++;
  }

  /** One value of stored column `column`. */
  private parseValue(column: number, row: number): void {
    const slot = column * scratch.capacity + row;
    const c = this.buf[this.pos]!;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = this.pos;
      this.scanNumber();
      const kind = this.numKind;
      if (kind === NumberKind.Float) {
        scratch.values[slot] = this.num;
        scratch.kinds[slot] = ValueKind.Float;
      } else if (kind === NumberKind.Int) {
        // Two's complement halves of an int below 2^53, without a BigInt.
        const value = this.num;
        scratch.words[2 * slot] = value % 4294967296;
        scratch.words[2 * slot + 1] = Math.floor(value / 4294967296);
        scratch.kinds[slot] = ValueKind.Int;
      } else if (kind === NumberKind.BigInt) {
        scratch.ints[slot] = this.numBig;
        scratch.kinds[slot] = ValueKind.Int;
      } else {
        this.conversionError(outOfRange(this.literal(start, this.pos)));
      }
    } else if (c === 0x22) {
      this.scanString();
      const strings = scratch.strings[column]!;
      scratch.values[slot] = strings.length / 3;
      scratch.kinds[slot] = ValueKind.String;
      strings.push(this.strStart, this.strEnd, this.strFlags);
    } else if (c === 0x74 || c === 0x66) {
      this.scanLiteral();
      scratch.values[slot] = c === 0x74 ? 1 : 0;
      scratch.kinds[slot] = ValueKind.Bool;
    } else if (c === 0x6e) {
      this.scanLiteral();
      scratch.values[slot] = 0;
      // An explicit null erases the column of a point written before (§4.6); see erasures.ts.
      scratch.kinds[slot] = ValueKind.Erased;
    } else if (c === 0x7b || c === 0x5b) {
      this.skipValue();
      this.conversionError(c === 0x7b ? UNKNOWN_OBJECT : UNKNOWN_ARRAY);
    } else {
      this.fail('looking for beginning of value');
    }
  }

  private parseTime(row: number): void {
    if (!this.specialNumber('time')) return;
    // Truncated to whole units first, as 0.8 did with int64(float); `+ 0` turns -0 into 0.
    const time = Math.trunc(this.num) * this.unit + 0;
    scratch.time[row] = time;
    if (!(time >= MIN_TIME_US && time < END_TIME_US)) this.timeOutOfRange = true;
  }

  /**
   * Only integers 0 … 2^53−1 are kept: storage holds sequence numbers exactly up to there, and
   * negative ones would read as "assign one" in the batch. `+ 0` turns -0 into 0.
   */
  private parseSequenceNumber(row: number): void {
    const start = this.pos;
    if (!this.specialNumber('sequence_number')) return;
    const value = this.num;
    // An integer literal below 2^53, the common case, needs no look at its text.
    if (this.numKind === NumberKind.Int && value >= 0) {
      scratch.seq[row] = value + 0;
      return;
    }
    const literal = this.literal(start, this.pos);
    if (this.numKind === NumberKind.Float && value >= 0 && value <= MAX_SEQUENCE_NUMBER && isIntegralLiteral(literal)) {
      scratch.seq[row] = value + 0;
      return;
    }
    this.conversionError(sequenceNumberOutOfRange(literal));
  }

  /** The number in a `time` or `sequence_number` field into `num`; false once 0.8's error is recorded. */
  private specialNumber(field: 'time' | 'sequence_number'): boolean {
    const c = this.buf[this.pos]!;
    if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) {
      this.conversionError(`${field} field must be float but is ${describeGoValue(this)}`);
      return false;
    }
    const start = this.pos;
    this.scanNumber();
    if (this.numKind === NumberKind.OutOfRange) {
      this.conversionError(outOfRange(this.literal(start, this.pos)));
      return false;
    }
    return true;
  }

  private conversionError(message: string): void {
    this.pointError ??= message;
  }

  /** Validates the finished series object and copies its rows into its shard's batch. */
  private commitSeries(nameStart: number, nameEnd: number, nameFlags: number): void {
    const rows = this.rows;
    this.pointCount += rows;
    // Points that bring their own numbers take no ordinals: the server's supply is bounded.
    const firstOrdinal = this.unnumberedCount;
    if (!this.columns.hasSequence) this.unnumberedCount += rows;
    if (this.validationError !== null) return;
    const columns = this.columns;
    if (nameEnd === nameStart) {
      this.validationError = 'Series name cannot be empty';
      return;
    }
    if (columns.hasDuplicates) {
      this.validationError = 'Cannot have duplicate field names';
      return;
    }
    if (this.timeOutOfRange) {
      this.validationError = 'Time.MarshalJSON: year outside of range [0,9999]';
      return;
    }

    const buf = this.buf;
    let nameBytes = buf;
    let nameFrom = nameStart;
    let nameTo = nameEnd;
    const escaped = (nameFlags & StringFlag.Escaped) !== 0;
    if (escaped) {
      nameBytes = this.unescape(nameStart, nameEnd);
      nameFrom = 0;
      nameTo = nameBytes.length;
    }
    let shard: number;
    if ((nameFlags & StringFlag.NonAscii) === 0 && (!escaped || isAscii(nameBytes, nameFrom, nameTo))) {
      const known = knownSeries.resolve(nameBytes, nameFrom, nameTo);
      if (this.listSeries && knownSeries.firstInRequest(known)) this.seriesNames.push(knownSeries.nameOf(known));
      shard = knownSeries.shardOf(known);
    } else {
      const name = Buffer.from(nameBytes.buffer, nameBytes.byteOffset + nameFrom, nameTo - nameFrom).toString('utf8');
      if (this.listSeries && !this.seen.has(name)) {
        this.seen.add(name);
        this.seriesNames.push(name);
      }
      shard = shardOf(this.db, name, this.shardCount);
    }

    const builder = this.builderFor(shard);
    const timeAt = builder.beginSeries(nameBytes, nameFrom, nameTo, rows, columns.storedCount);
    const f64 = builder.f64;
    const seqAt = timeAt + rows;
    if (columns.hasTime) {
      copyFloats(scratch.time, 0, f64, timeAt, rows);
    } else {
      f64.fill(this.nowUs, timeAt, seqAt);
    }
    if (columns.hasSequence) {
      copyFloats(scratch.seq, 0, f64, seqAt, rows);
    } else {
      for (let i = 0; i < rows; i++) f64[seqAt + i] = -(firstOrdinal + i + 1);
    }

    const stride = scratch.capacity;
    for (let c = 0; c < columns.storedCount; c++) {
      const strings = scratch.strings[c]!;
      const columnName = columns.storedNames[c]!;
      const valuesAt = builder.beginColumn(columnName, 0, columnName.length, rows, strings.length / 3);
      copyWords(scratch.words, 2 * c * stride, builder.i32, 2 * valuesAt, 2 * rows);
      copyBytes(scratch.kinds, c * stride, builder.bytes, (valuesAt + rows) * 8, rows);
      for (let i = 0; i < strings.length; i += 3) {
        const start = strings[i]!;
        const end = strings[i + 1]!;
        if ((strings[i + 2]! & StringFlag.Escaped) === 0) {
          builder.appendString(buf, start, end);
        } else {
          const unescaped = this.unescape(start, end);
          builder.appendString(unescaped, 0, unescaped.length);
        }
      }
    }
  }

  private builderFor(shard: number): WriteBatchBuilder {
    let builder = this.builders[shard];
    if (builder === undefined) {
      builder = builderPool[shard] ??= new WriteBatchBuilder();
      builder.reset(this.db);
      this.builders[shard] = builder;
    }
    return builder;
  }
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

function outOfRange(literal: string): string {
  return `strconv.ParseFloat: parsing "${literal}": value out of range`;
}

/** Parses a write body into one batch per shard, or the 400 message 0.8 gave for it. */
export function parseWriteBody(body: Uint8Array, options: ParseOptions): ParseResult {
  const parser = new BodyParser(body, options);
  try {
    parser.parseBody();
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, message: error.message };
    if (error instanceof ShapeError || error instanceof ConversionError) {
      return { ok: false, message: findDecodeError(body) ?? error.message };
    }
    throw error;
  } finally {
    if (scratch.byteSize > MAX_RETAINED_BYTES) scratch = new RowScratch();
  }
  if (parser.validationError !== null) return { ok: false, message: parser.validationError, invalid: true };
  return { ok: true, pointCount: parser.pointCount, unnumberedCount: parser.unnumberedCount, seriesNames: parser.seriesNames, batches: parser.finish() };
}
