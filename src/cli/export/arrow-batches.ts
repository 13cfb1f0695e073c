import {
  Bool,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { ColumnKind } from './column-catalog.js';
import { NumberText, type ExactValue, type SeriesChunk } from './series-chunk.js';

/**
 * The column naming each row's series: `series`, or with underscores before it until no column
 * of the answer has the name (a reader would otherwise see two columns of one name).
 */
export function seriesColumnName(columns: readonly string[]): string {
  let name = 'series';
  while (columns.includes(name)) name = `_${name}`;
  return name;
}

/** Rows per record batch: large enough that per-batch overhead vanishes, small enough to stream. */
export const ARROW_BATCH_ROWS = 65_536;

/**
 * Arrow record batches of a query answer: `series` (the series name), then every column of
 * the answer typed by what it held — `time` as microsecond timestamps (the export asks the
 * server for microseconds), integers as Int64 with every digit, floats as Float64, booleans,
 * strings; a column holding several kinds becomes strings.
 */
export class ArrowBatches {
  readonly schema: Schema;
  private readonly columns: readonly (readonly [string, ColumnKind])[];
  private names: string[] = [];
  private values: ExactValue[][];

  constructor(columns: readonly (readonly [string, ColumnKind])[]) {
    this.columns = columns;
    this.schema = new Schema([new Field(seriesColumnName(columns.map(([name]) => name)), new Utf8(), false), ...columns.map(([name, kind]) => new Field(name, arrowType(name, kind), true))]);
    this.values = columns.map(() => []);
  }

  get rows(): number {
    return this.names.length;
  }

  add(chunk: SeriesChunk): void {
    const at = this.columns.map(([column]) => chunk.columns.indexOf(column));
    for (const point of chunk.points) {
      this.names.push(chunk.name);
      at.forEach((i, c) => this.values[c]!.push(i === -1 ? null : (point[i] ?? null)));
    }
  }

  /** The rows added since the last call as one record batch. */
  take(): RecordBatch {
    const length = this.names.length;
    const children: Data[] = [vectorFromArray(this.names, new Utf8()).data[0]!];
    this.columns.forEach(([name, kind], c) => children.push(columnData(arrowType(name, kind), this.values[c]!)));
    this.names = [];
    this.values = this.columns.map(() => []);
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length, children }));
  }
}

function arrowType(name: string, kind: ColumnKind): DataType {
  if (name === 'time' && (kind === 'int' || kind === 'empty')) return new TimestampMicrosecond();
  switch (kind) {
    case 'int':
      return new Int64();
    case 'float':
      return new Float64();
    case 'bool':
      return new Bool();
    default:
      return new Utf8();
  }
}

function columnData(type: DataType, values: readonly ExactValue[]): Data {
  const length = values.length;
  if (type instanceof Int64) return makeData({ type, length, ...validity(values), data: int64s(values) });
  if (type instanceof TimestampMicrosecond) return makeData({ type, length, ...validity(values), data: int64s(values) });
  if (type instanceof Float64) {
    return makeData({ type, length, ...validity(values), data: Float64Array.from(values, (v) => (v instanceof NumberText ? Number(v.text) : 0)) });
  }
  if (type instanceof Bool) return vectorFromArray(values.map((v) => (typeof v === 'boolean' ? v : null)), type).data[0]!;
  return vectorFromArray(values.map(asText), new Utf8()).data[0]!;
}

function int64s(values: readonly ExactValue[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => (v instanceof NumberText ? BigInt(v.text) : 0n));
}

function asText(value: ExactValue): string | null {
  if (value === null) return null;
  return value instanceof NumberText ? value.text : String(value);
}

function validity(values: readonly ExactValue[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}
