import type { TimeUnit, DataType } from 'apache-arrow';
import { arrow } from '../util/apache-arrow.js';
import type { ArrowColumnType } from '../engine/arrow/column-types.js';
import type { ArrowLayout } from '../engine/arrow/record-batch.js';
import type { TimePrecision } from '../time-precision.js';

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/** Arrow's end-of-stream marker: a continuation token and a zero-length message. */
export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Marks a utf8 column that holds each value's JSON text because its values are of several kinds. */
const JSON_TEXT = new Map([['sluice.values', 'json']]);

const UNITS: Record<TimePrecision, TimeUnit> = { s: arrow.TimeUnit.SECOND, ms: arrow.TimeUnit.MILLISECOND, u: arrow.TimeUnit.MICROSECOND };

/**
 * The first bytes of an Arrow answer: its schema, then the `series` dictionary (every series
 * the answer may name, in the order of `seriesNames`, indexed by position), as apache-arrow's
 * own writer encodes them. The record batches the shards encode follow, then END_OF_STREAM.
 */
export function arrowStreamHead(layout: ArrowLayout, seriesNames: readonly string[]): Uint8Array {
  const seriesType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0, false);
  const fields = [
    new arrow.Field('series', seriesType, false),
    new arrow.Field('time', new arrow.Timestamp(UNITS[layout.precision], 'UTC'), false),
    ...(layout.withSeq ? [new arrow.Field('sequence_number', new arrow.Int64(), false)] : []),
    ...layout.columns.map((c) => new arrow.Field(c.name, arrowTypeOf(c.type), true, c.type === 'text' ? JSON_TEXT : undefined)),
  ];
  const schema = new arrow.Schema(fields);
  const dictionary = arrow.vectorFromArray([...seriesNames], new arrow.Utf8());
  const children = fields.map((field) =>
    field.type === seriesType ? arrow.makeData({ type: seriesType, length: 0, nullCount: 0, data: new Int32Array(0), dictionary }) : arrow.makeData({ type: field.type as DataType, length: 0 }),
  );
  // A batch of no rows carries the dictionary into the stream; readers skip it.
  const empty = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: 0, nullCount: 0, children }));
  const bytes = arrow.tableToIPC(new arrow.Table([empty]), 'stream');
  return bytes.subarray(0, bytes.length - END_OF_STREAM.length);
}

function arrowTypeOf(type: ArrowColumnType): DataType {
  switch (type) {
    case 'float64':
      return new arrow.Float64();
    case 'int64':
      return new arrow.Int64();
    case 'bool':
      return new arrow.Bool();
    case 'utf8':
    case 'text':
      return new arrow.Utf8();
  }
}
