import {
  Bool,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimeUnit,
  Timestamp,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import type { ArrowColumnType } from '../engine/arrow/column-types.js';
import type { ArrowLayout } from '../engine/arrow/record-batch.js';
import type { TimePrecision } from '../time-precision.js';

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/** Arrow's end-of-stream marker: a continuation token and a zero-length message. */
export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Marks a utf8 column that holds each value's JSON text because its values are of several kinds. */
const JSON_TEXT = new Map([['sluice.values', 'json']]);

const UNITS: Record<TimePrecision, TimeUnit> = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, u: TimeUnit.MICROSECOND };

/**
 * The first bytes of an Arrow answer: its schema, then the `series` dictionary (every series
 * the answer may name, in the order of `seriesNames`, indexed by position), as apache-arrow's
 * own writer encodes them. The record batches the shards encode follow, then END_OF_STREAM.
 */
export function arrowStreamHead(layout: ArrowLayout, seriesNames: readonly string[]): Uint8Array {
  const seriesType = new Dictionary(new Utf8(), new Int32(), 0, false);
  const fields = [
    new Field('series', seriesType, false),
    new Field('time', new Timestamp(UNITS[layout.precision], 'UTC'), false),
    ...(layout.withSeq ? [new Field('sequence_number', new Int64(), false)] : []),
    ...layout.columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true, c.type === 'text' ? JSON_TEXT : undefined)),
  ];
  const schema = new Schema(fields);
  const dictionary = vectorFromArray([...seriesNames], new Utf8());
  const children = fields.map((field) =>
    field.type === seriesType ? makeData({ type: seriesType, length: 0, nullCount: 0, data: new Int32Array(0), dictionary }) : makeData({ type: field.type as DataType, length: 0 }),
  );
  // A batch of no rows carries the dictionary into the stream; readers skip it.
  const empty = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 0, nullCount: 0, children }));
  const bytes = tableToIPC(new Table([empty]), 'stream');
  return bytes.subarray(0, bytes.length - END_OF_STREAM.length);
}

function arrowTypeOf(type: ArrowColumnType): DataType {
  switch (type) {
    case 'float64':
      return new Float64();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'utf8':
    case 'text':
      return new Utf8();
  }
}
