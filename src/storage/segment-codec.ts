/**
 * One series' rows ⇄ the bytes of a segment entry: an Arrow IPC stream holding a single
 * record batch, wrapped in the compressed envelope of compression.ts.
 *
 * Schema: field 0 is `time`, field 1 `sequence_number`, then one field per value column in
 * the order listed by the schema metadata `sluice.columns`; `sluice.series` names the series.
 *
 * A value column whose non-null rows all share one kind gets that kind's Arrow type with a
 * validity bitmap: Float64, Int64, Bool, or Dictionary<Utf8> (the dictionary holds the
 * column's distinct strings and becomes its string table on decode, so decoding is one
 * index copy plus one UTF-8 decode per distinct string). A column of only nulls is Arrow Null. A column mixing
 * kinds is a DenseUnion whose type ids are the ValueKind numbers themselves, so the union's
 * type-id buffer is the column's `kinds` array byte for byte, and whose children are Null,
 * Float64, Int64, Bool and Utf8; a DenseUnion keeps each child dense, where a struct of a
 * kind tag and one child per kind would store every row in every child.
 *
 * Lossless transforms make columns compressible; each is recorded in field metadata and
 * inverted on decode with typed-array loops:
 * - Integers (time, sequence numbers, int columns within ±2^52) are stored as the
 *   narrowest unsigned type holding either `value - base` (frame of reference) or
 *   `delta from the previous row - base`, whichever spans the smaller range. Evenly spaced
 *   times and sequence numbers thus become a run of zero bytes.
 * - Floats that are exactly decimals with at most 15 digits after the point (v equals
 *   round(v·10^k)/10^k for every row) are scaled to integers and then packed as above;
 *   a float that is not (0.1 + 0.2, NaN, -0, 1e300) keeps the column in raw Float64.
 */
import type { Data, DataType, Field, Int8, Int16, Int32, Table, Uint8, Uint16, Uint32, Uint64, Utf8, Vector } from 'apache-arrow';
import { arrow } from '../util/apache-arrow.js';
import { allocateColumn, slotWords, ValueKind, type Column, type SeriesColumns } from './columns.js';
import { compressSegment, decompressSegment, SegmentCorruptError } from './compression.js';
import { isExactDecimal, MAX_DECIMALS, MAX_PACKABLE } from './exact-decimals.js';

const FORMAT_VERSION = '1';
const META_FORMAT = 'sluice.format';
const META_SERIES = 'sluice.series';
const META_COLUMNS = 'sluice.columns';
/** Field metadata: the ValueKind name of a homogeneous column, or `mixed`. */
const META_KIND = 'sluice.kind';
/** Field metadata: `for` (value − base) or `delta-for` (delta from previous row − base). */
const META_PACKING = 'sluice.packing';
const META_BASE = 'sluice.base';
/** Field metadata for `delta-for`: the first present value. */
const META_FIRST = 'sluice.first';
/** Field metadata: a float column stored as round(v · 10^scale). */
const META_SCALE = 'sluice.scale';

const TIME_FIELD = 'time';
const SEQ_FIELD = 'sequence_number';

const TWO_POW_32 = 4294967296;

type KindName = 'null' | 'float' | 'int' | 'bool' | 'string' | 'mixed';
const KIND_NAMES: readonly KindName[] = ['null', 'float', 'int', 'bool', 'string'];

export function encodeSeriesSegment(data: SeriesColumns): Uint8Array {
  return compressSegment(arrow.tableToIPC(seriesToArrowTable(data), 'stream'));
}

export function decodeSeriesSegment(bytes: Uint8Array): SeriesColumns {
  const ipc = decompressSegment(bytes);
  let table: Table;
  try {
    table = arrow.tableFromIPC(ipc);
  } catch (error) {
    throw new SegmentCorruptError(`segment is not a readable Arrow IPC stream: ${String(error)}`);
  }
  return seriesFromArrowTable(table);
}

/** The series as a one-batch Arrow table in the segment schema (uncompressed). */
export function seriesToArrowTable(data: SeriesColumns): Table {
  const n = data.count;
  const encoded: EncodedField[] = [
    packTimeline(TIME_FIELD, data.time.subarray(0, n)),
    packTimeline(SEQ_FIELD, data.seq.subarray(0, n)),
  ];
  data.columns.forEach((column, i) => encoded.push(encodeColumn(column, n, i)));

  const schemaMetadata = new Map([
    [META_FORMAT, FORMAT_VERSION],
    [META_SERIES, data.series],
    [META_COLUMNS, JSON.stringify(data.columns.map((c) => c.name))],
  ]);
  const fields = encoded.map((e) => e.field);
  const schema = new arrow.Schema(fields, schemaMetadata);
  const struct = arrow.makeData({
    type: new arrow.Struct(fields),
    length: n,
    nullCount: 0,
    children: encoded.map((e) => e.data),
  });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}

/** Rows of the series in `table` (written by seriesToArrowTable), in fresh buffers. */
export function seriesFromArrowTable(table: Table): SeriesColumns {
  const { schema } = table;
  if (schema.metadata.get(META_FORMAT) !== FORMAT_VERSION) {
    throw new SegmentCorruptError(`unsupported segment format ${schema.metadata.get(META_FORMAT)}`);
  }
  const series = schema.metadata.get(META_SERIES);
  const names = parseColumnNames(schema.metadata.get(META_COLUMNS));
  if (series === undefined || names.length !== schema.fields.length - 2) {
    throw new SegmentCorruptError('segment schema metadata does not match its fields');
  }
  if (table.batches.length > 1) {
    throw new SegmentCorruptError(`segment holds ${table.batches.length} record batches, expected one`);
  }
  const batch = table.batches[0];
  const n = batch?.numRows ?? 0;
  const child = (i: number): Data | undefined => batch?.data.children[i];
  return {
    series,
    count: n,
    time: unpackTimeline(schema.fields[0]!, child(0), n),
    seq: unpackTimeline(schema.fields[1]!, child(1), n),
    columns: names.map((name, i) => decodeColumn(name, schema.fields[i + 2]!, child(i + 2), n)),
  };
}

interface EncodedField {
  readonly field: Field;
  readonly data: Data;
}

// ---------------------------------------------------------------------------------------
// Integer packing: frame of reference, optionally over deltas, in the narrowest Uint type.

interface Packed {
  readonly data: Data<Uint8 | Uint16 | Uint32 | Uint64>;
  /** True when the values needed 64 bits, so packing saved nothing over the raw type. */
  readonly wide: boolean;
  readonly metadata: Map<string, string>;
}

/**
 * Pack the integers `values[i]` (|v| ≤ 2^52) of the rows where `kinds` is not Null (all
 * rows when `kinds` is null). Rows left out are stored as 0 and skipped on unpack.
 */
function packIntegers(
  values: Float64Array,
  kinds: Uint8Array | null,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): Packed {
  const n = values.length;
  let seen = false;
  let first = 0;
  let previous = 0;
  let min = Infinity;
  let max = -Infinity;
  let deltaMin = Infinity;
  let deltaMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (kinds !== null && kinds[i] === ValueKind.Null) continue;
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    if (seen) {
      const d = v - previous;
      if (d < deltaMin) deltaMin = d;
      if (d > deltaMax) deltaMax = d;
    } else {
      seen = true;
      first = v;
    }
    previous = v;
  }
  if (!seen) min = max = 0;
  if (deltaMin > deltaMax) deltaMin = deltaMax = 0;

  const useDelta = deltaMax - deltaMin < max - min;
  const base = useDelta ? deltaMin : min;
  const range = useDelta ? deltaMax - deltaMin : max - min;
  const metadata = new Map([
    [META_PACKING, useDelta ? 'delta-for' : 'for'],
    [META_BASE, String(base)],
  ]);
  if (useDelta) metadata.set(META_FIRST, String(first));

  const props = { length: n, nullCount, nullBitmap };
  if (range <= 0xff) {
    const out = new Uint8Array(n);
    fillPacked(out, values, kinds, useDelta, base, false);
    return { data: arrow.makeData({ ...props, type: new arrow.Uint8(), data: out }), wide: false, metadata };
  }
  if (range <= 0xffff) {
    const out = new Uint16Array(n);
    fillPacked(out, values, kinds, useDelta, base, false);
    return { data: arrow.makeData({ ...props, type: new arrow.Uint16(), data: out }), wide: false, metadata };
  }
  if (range <= 0xffff_ffff) {
    const out = new Uint32Array(n);
    fillPacked(out, values, kinds, useDelta, base, false);
    return { data: arrow.makeData({ ...props, type: new arrow.Uint32(), data: out }), wide: false, metadata };
  }
  const words = new Uint32Array(2 * n);
  fillPacked(words, values, kinds, useDelta, base, true);
  const data = arrow.makeData({ ...props, type: new arrow.Uint64(), data: new BigUint64Array(words.buffer) });
  return { data, wide: true, metadata };
}

function fillPacked(
  out: Uint8Array | Uint16Array | Uint32Array,
  values: Float64Array,
  kinds: Uint8Array | null,
  useDelta: boolean,
  base: number,
  wide: boolean,
): void {
  const n = values.length;
  let seen = false;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    if (kinds !== null && kinds[i] === ValueKind.Null) continue;
    const v = values[i]!;
    let x = 0;
    if (!useDelta) x = v - base;
    else if (seen) x = v - previous - base;
    seen = true;
    previous = v;
    if (wide) {
      out[2 * i] = x >>> 0;
      out[2 * i + 1] = Math.floor(x / TWO_POW_32);
    } else {
      out[i] = x;
    }
  }
}

/** Invert packIntegers into `out`; rows where `kinds` is Null are left untouched. */
function unpackIntegers(
  field: Field,
  stored: PackedArray,
  kinds: Uint8Array | null,
  out: Float64Array,
): void {
  const packing = field.metadata.get(META_PACKING);
  const base = metadataNumber(field, META_BASE);
  const n = out.length;
  const words = stored instanceof BigUint64Array ? new Uint32Array(stored.buffer, stored.byteOffset, 2 * n) : null;
  const narrow = stored as Exclude<PackedArray, BigUint64Array>;
  if (packing === 'for') {
    for (let i = 0; i < n; i++) {
      if (kinds !== null && kinds[i] === ValueKind.Null) continue;
      const x = words === null ? narrow[i]! : words[2 * i + 1]! * TWO_POW_32 + words[2 * i]!;
      out[i] = x + base;
    }
  } else if (packing === 'delta-for') {
    let acc = metadataNumber(field, META_FIRST);
    let seen = false;
    for (let i = 0; i < n; i++) {
      if (kinds !== null && kinds[i] === ValueKind.Null) continue;
      if (seen) {
        const x = words === null ? narrow[i]! : words[2 * i + 1]! * TWO_POW_32 + words[2 * i]!;
        acc += x + base;
      }
      seen = true;
      out[i] = acc;
    }
  } else {
    throw new SegmentCorruptError(`field ${field.name} has unknown packing ${String(packing)}`);
  }
}

function isPackable(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= MAX_PACKABLE) || Math.floor(v) !== v) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// time and sequence_number

function packTimeline(name: string, values: Float64Array): EncodedField {
  if (isPackable(values)) {
    const packed = packIntegers(values, null, 0, undefined);
    return { field: new arrow.Field(name, packed.data.type, false, packed.metadata), data: packed.data };
  }
  const type = new arrow.Float64();
  return {
    field: new arrow.Field(name, type, false),
    data: arrow.makeData({ type, length: values.length, nullCount: 0, data: values }),
  };
}

function unpackTimeline(field: Field, data: Data | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0 || data === undefined) return out;
  if (arrow.DataType.isFloat(field.type)) {
    out.set(rowValues<Float64Array>(data));
  } else {
    unpackIntegers(field, rowValues<PackedArray>(data), null, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Value columns

/** `dictionaryId` is unique per column, as Arrow requires of dictionaries in one schema. */
function encodeColumn(column: Column, n: number, dictionaryId: number): EncodedField {
  const kinds = column.kinds.subarray(0, n);
  let kind: ValueKind = ValueKind.Null;
  let nullCount = 0;
  let mixed = false;
  for (let i = 0; i < n; i++) {
    const k = kinds[i] as ValueKind;
    if (k === ValueKind.Null) nullCount++;
    else if (kind === ValueKind.Null) kind = k;
    else if (k !== kind) mixed = true;
  }
  if (mixed) return encodeMixed(column, n);
  if (kind === ValueKind.Null) {
    const type = new arrow.Null();
    return { field: field(column.name, type, 'null'), data: arrow.makeData({ type, length: n }) };
  }
  const validity = nullCount === 0 ? undefined : validityBitmap(kinds);
  switch (kind) {
    case ValueKind.Float:
      return encodeFloats(column, kinds, n, nullCount, validity);
    case ValueKind.Int:
      return encodeInts(column, kinds, n, nullCount, validity);
    case ValueKind.Bool: {
      const type = new arrow.Bool();
      return {
        field: field(column.name, type, 'bool'),
        data: arrow.makeData({ type, length: n, nullCount, nullBitmap: validity, data: boolBitmap(column.floats, n) }),
      };
    }
    case ValueKind.String:
      return encodeStrings(column, kinds, n, nullCount, validity, dictionaryId);
  }
  throw new RangeError(`column ${column.name} has unknown value kind ${kind}`);
}

function encodeFloats(
  column: Column,
  kinds: Uint8Array,
  n: number,
  nullCount: number,
  validity: Uint8Array | undefined,
): EncodedField {
  const floats = column.floats.subarray(0, n);
  const decimals = decimalScale(floats, kinds);
  if (decimals !== null) {
    const scaled = scaleToIntegers(floats, kinds, 10 ** decimals);
    if (scaled !== null) {
      const packed = packIntegers(scaled, nullCount === 0 ? null : kinds, nullCount, validity);
      if (!packed.wide) {
        packed.metadata.set(META_SCALE, String(decimals));
        return { field: field(column.name, packed.data.type, 'float', packed.metadata), data: packed.data };
      }
    }
  }
  const type = new arrow.Float64();
  return {
    field: field(column.name, type, 'float'),
    data: arrow.makeData({ type, length: n, nullCount, nullBitmap: validity, data: floats }),
  };
}

/**
 * The fewest decimals k ≤ MAX_DECIMALS with which every present float is round(v·10^k)/10^k,
 * or null. k only grows while scanning; scaleToIntegers re-checks every value at the final k.
 */
export function decimalScale(floats: Float64Array, kinds: Uint8Array): number | null {
  let k = 0;
  let scale = 1;
  for (let i = 0; i < floats.length; i++) {
    if (kinds[i] === ValueKind.Null) continue;
    const v = floats[i]!;
    while (!isExactDecimal(v, scale)) {
      if (++k > MAX_DECIMALS) return null;
      scale = 10 ** k;
    }
  }
  return k;
}

export function scaleToIntegers(floats: Float64Array, kinds: Uint8Array, scale: number): Float64Array | null {
  const out = new Float64Array(floats.length);
  for (let i = 0; i < floats.length; i++) {
    if (kinds[i] === ValueKind.Null) continue;
    const v = floats[i]!;
    if (!isExactDecimal(v, scale)) return null;
    out[i] = Math.round(v * scale);
  }
  return out;
}

function encodeInts(
  column: Column,
  kinds: Uint8Array,
  n: number,
  nullCount: number,
  validity: Uint8Array | undefined,
): EncodedField {
  const asNumbers = intsAsNumbers(column, kinds, n);
  if (asNumbers !== null) {
    const packed = packIntegers(asNumbers, nullCount === 0 ? null : kinds, nullCount, validity);
    if (!packed.wide) {
      return { field: field(column.name, packed.data.type, 'int', packed.metadata), data: packed.data };
    }
  }
  const type = new arrow.Int64();
  return {
    field: field(column.name, type, 'int'),
    data: arrow.makeData({ type, length: n, nullCount, nullBitmap: validity, data: column.ints.subarray(0, n) }),
  };
}

/** The int slots as numbers, or null if one of them is beyond ±2^52. Reads the two 32-bit halves. */
function intsAsNumbers(column: Column, kinds: Uint8Array, n: number): Float64Array | null {
  const words = new Int32Array(column.ints.buffer, column.ints.byteOffset, 2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (kinds[i] === ValueKind.Null) continue;
    const high = words[2 * i + 1]!;
    if (high >= 0x100000 || high < -0x100000) return null;
    out[i] = high * TWO_POW_32 + (words[2 * i]! >>> 0);
  }
  return out;
}

function encodeStrings(
  column: Column,
  kinds: Uint8Array,
  n: number,
  nullCount: number,
  validity: Uint8Array | undefined,
  dictionaryId: number,
): EncodedField {
  // The column's table may hold duplicates or unused entries; the dictionary holds each
  // string that occurs exactly once, in order of first occurrence.
  const remap = new Int32Array(column.strings.length).fill(-1);
  const indexOf = new Map<string, number>();
  const dictionary: string[] = [];
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (kinds[i] === ValueKind.Null) continue;
    const old = column.floats[i]!;
    let index = remap[old]!;
    if (index < 0) {
      const s = column.strings[old]!;
      index = indexOf.get(s) ?? -1;
      if (index < 0) {
        index = dictionary.length;
        dictionary.push(s);
        indexOf.set(s, index);
      }
      remap[old] = index;
    }
    indices[i] = index;
  }
  const count = dictionary.length;
  const [indexType, narrowed]: [Int8 | Int16 | Int32, Int8Array | Int16Array | Int32Array] =
    count <= 0x80
      ? [new arrow.Int8(), Int8Array.from(indices)]
      : count <= 0x8000
        ? [new arrow.Int16(), Int16Array.from(indices)]
        : [new arrow.Int32(), indices];
  const dictionaryVector = arrow.makeVector(utf8Data(dictionary));
  const type = new arrow.Dictionary(new arrow.Utf8(), indexType, dictionaryId);
  return {
    field: field(column.name, type, 'string'),
    data: arrow.makeData({ type, length: n, nullCount, nullBitmap: validity, data: narrowed, dictionary: dictionaryVector }),
  };
}

const UNION_CHILDREN = [
  ValueKind.Null,
  ValueKind.Float,
  ValueKind.Int,
  ValueKind.Bool,
  ValueKind.String,
] as const;

function encodeMixed(column: Column, n: number): EncodedField {
  const kinds = column.kinds.subarray(0, n);
  const sizes = [0, 0, 0, 0, 0];
  const offsets = new Int32Array(n);
  for (let i = 0; i < n; i++) offsets[i] = sizes[kinds[i]!]!++;

  const floats = new Float64Array(sizes[ValueKind.Float]!);
  const intWords = new Uint32Array(2 * sizes[ValueKind.Int]!);
  const bools = new Float64Array(sizes[ValueKind.Bool]!);
  const strings: string[] = new Array<string>(sizes[ValueKind.String]!);
  const words = slotWords(column.floats);
  for (let i = 0; i < n; i++) {
    const o = offsets[i]!;
    switch (kinds[i]) {
      case ValueKind.Float:
        floats[o] = column.floats[i]!;
        break;
      case ValueKind.Int:
        intWords[2 * o] = words[2 * i]!;
        intWords[2 * o + 1] = words[2 * i + 1]!;
        break;
      case ValueKind.Bool:
        bools[o] = column.floats[i]!;
        break;
      case ValueKind.String:
        strings[o] = column.strings[column.floats[i]!]!;
        break;
    }
  }
  const children: Data[] = [
    arrow.makeData({ type: new arrow.Null(), length: sizes[ValueKind.Null]! }),
    arrow.makeData({ type: new arrow.Float64(), length: floats.length, nullCount: 0, data: floats }),
    arrow.makeData({ type: new arrow.Int64(), length: intWords.length / 2, nullCount: 0, data: new BigInt64Array(intWords.buffer) }),
    arrow.makeData({ type: new arrow.Bool(), length: bools.length, nullCount: 0, data: boolBitmap(bools, bools.length) }),
    utf8Data(strings),
  ];
  const type = new arrow.DenseUnion(
    [...UNION_CHILDREN],
    children.map((child, i) => new arrow.Field(KIND_NAMES[i]!, child.type, true)),
  );
  return {
    field: field(column.name, type, 'mixed'),
    data: arrow.makeData({
      type,
      length: n,
      nullCount: 0,
      nullBitmap: undefined as never,
      typeIds: new Int8Array(kinds.buffer, kinds.byteOffset, n),
      valueOffsets: offsets,
      children,
    }),
  };
}

function decodeColumn(name: string, field: Field, data: Data | undefined, n: number): Column {
  const column = allocateColumn(name, n);
  if (n === 0 || data === undefined) return column;
  const kindName = field.metadata.get(META_KIND);
  switch (kindName) {
    case 'null':
      return column;
    case 'float':
      decodeValidity(data, ValueKind.Float, column.kinds);
      if (arrow.DataType.isFloat(field.type)) {
        column.floats.set(rowValues<Float64Array>(data));
      } else {
        unpackIntegers(field, rowValues<PackedArray>(data), data.nullCount === 0 ? null : column.kinds, column.floats);
        const scale = 10 ** metadataNumber(field, META_SCALE);
        const floats = column.floats;
        for (let i = 0; i < n; i++) floats[i] = floats[i]! / scale;
      }
      return column;
    case 'int':
      decodeValidity(data, ValueKind.Int, column.kinds);
      if (arrow.DataType.isInt(field.type) && field.type.isSigned) {
        column.ints.set(rowValues<BigInt64Array>(data));
      } else {
        unpackIntegers(field, rowValues<PackedArray>(data), data.nullCount === 0 ? null : column.kinds, column.floats);
        numbersToInt64InPlace(column, n);
      }
      return column;
    case 'bool':
      decodeValidity(data, ValueKind.Bool, column.kinds);
      unpackBits(data.values as Uint8Array, data.offset, column.floats);
      return column;
    case 'string': {
      decodeValidity(data, ValueKind.String, column.kinds);
      const dictionary = data.dictionary as Vector<Utf8> | undefined;
      if (dictionary === undefined) throw new SegmentCorruptError(`string column ${name} has no dictionary`);
      for (let j = 0; j < dictionary.length; j++) column.strings.push(dictionary.get(j) ?? '');
      column.floats.set(rowValues<Int8Array | Int16Array | Int32Array>(data));
      return column;
    }
    case 'mixed':
      decodeMixed(data, column, n);
      return column;
  }
  throw new SegmentCorruptError(`field ${field.name} has unknown kind ${String(kindName)}`);
}

function decodeMixed(data: Data, column: Column, n: number): void {
  const typeIds = arrow.DataType.isDenseUnion(data.type) ? (data.typeIds as Int8Array) : null;
  const offsets = data.valueOffsets as Int32Array | undefined;
  if (typeIds === null || offsets === undefined) throw new SegmentCorruptError('mixed column is not a dense union');
  const [, floatChild, intChild, boolChild, stringChild] = data.children as Data[];
  const floats = rowValues<Float64Array>(floatChild!);
  const ints = rowValues<BigInt64Array>(intChild!);
  const intWords = new Uint32Array(ints.buffer, ints.byteOffset, 2 * ints.length);
  const bools = new Float64Array(boolChild!.length);
  unpackBits(boolChild!.values as Uint8Array, boolChild!.offset, bools);
  const strings = arrow.makeVector(stringChild as Data<Utf8>);
  for (let j = 0; j < strings.length; j++) column.strings.push(strings.get(j) ?? '');

  const words = slotWords(column.floats);
  for (let i = 0; i < n; i++) {
    const kind = typeIds[i]!;
    const o = offsets[i]!;
    column.kinds[i] = kind;
    switch (kind) {
      case ValueKind.Float:
        column.floats[i] = floats[o]!;
        break;
      case ValueKind.Int:
        words[2 * i] = intWords[2 * o]!;
        words[2 * i + 1] = intWords[2 * o + 1]!;
        break;
      case ValueKind.Bool:
        column.floats[i] = bools[o]!;
        break;
      case ValueKind.String:
        column.floats[i] = o;
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Small helpers

type PackedArray = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** The values of `data`'s own rows: IPC pads buffers to 8 bytes, so `values` may be longer. */
function rowValues<T extends PackedArray | Int8Array | Int16Array | Int32Array | Float64Array | BigInt64Array>(data: Data): T {
  return (data.values as T).subarray(data.offset, data.offset + data.length) as T;
}

function field(name: string, type: DataType, kind: KindName, metadata = new Map<string, string>()): Field {
  metadata.set(META_KIND, kind);
  return new arrow.Field(name, type, true, metadata);
}

function metadataNumber(field: Field, key: string): number {
  const value = Number(field.metadata.get(key));
  if (!Number.isFinite(value)) throw new SegmentCorruptError(`field ${field.name} lacks numeric metadata ${key}`);
  return value;
}

function parseColumnNames(json: string | undefined): string[] {
  try {
    const names: unknown = JSON.parse(json ?? '');
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
  } catch {
    // Reported below.
  }
  throw new SegmentCorruptError('segment lacks a valid column list');
}

/** Arrow validity: bit i set when row i is not null. */
function validityBitmap(kinds: Uint8Array): Uint8Array {
  const bitmap = new Uint8Array((kinds.length + 7) >> 3);
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] !== ValueKind.Null) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return bitmap;
}

function decodeValidity(data: Data, kind: ValueKind, kinds: Uint8Array): void {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) {
    kinds.fill(kind);
    return;
  }
  const offset = data.offset;
  for (let i = 0; i < kinds.length; i++) {
    const bit = offset + i;
    kinds[i] = (bitmap[bit >> 3]! >> (bit & 7)) & 1 ? kind : ValueKind.Null;
  }
}

function boolBitmap(values: Float64Array, n: number): Uint8Array {
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] !== 0) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return bitmap;
}

function unpackBits(bitmap: Uint8Array, offset: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const bit = offset + i;
    out[i] = (bitmap[bit >> 3]! >> (bit & 7)) & 1;
  }
}

/** Rewrite each float slot holding an integer as the int64 of that integer, in place. */
function numbersToInt64InPlace(column: Column, n: number): void {
  const floats = column.floats;
  const words = new Int32Array(floats.buffer, floats.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    if (column.kinds[i] === ValueKind.Null) {
      floats[i] = 0;
      continue;
    }
    const v = floats[i]!;
    words[2 * i] = v >>> 0;
    words[2 * i + 1] = Math.floor(v / TWO_POW_32);
  }
}

function utf8Data(strings: readonly string[]): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = strings.map((s) => encoder.encode(s));
  const offsets = new Int32Array(strings.length + 1);
  let total = 0;
  for (let i = 0; i < encoded.length; i++) {
    total += encoded[i]!.byteLength;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < encoded.length; i++) bytes.set(encoded[i]!, offsets[i]!);
  return arrow.makeData({ type: new arrow.Utf8(), length: strings.length, nullCount: 0, valueOffsets: offsets, data: bytes });
}
