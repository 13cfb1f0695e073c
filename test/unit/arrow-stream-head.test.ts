/**
 * The Arrow answer's head (schema, series dictionary, empty batch) against apache-arrow's own
 * writer: the same bytes for every column type, precision and name, with and without sequence
 * numbers, no series or many; and a stream of it reads back with its batches.
 */
import test from 'ava';
import { EVERY_COLUMN_TYPE } from '../helpers/arrow-layouts.js';
import fc from 'fast-check';
import * as arrow from 'apache-arrow';
import { arrowStreamHead, END_OF_STREAM } from '../../src/engine/arrow/stream-head.js';
import type { ArrowLayout } from '../../src/engine/arrow/record-batch.js';
import type { ArrowColumnType } from '../../src/engine/arrow/column-types.js';

const UNITS = { s: arrow.TimeUnit.SECOND, ms: arrow.TimeUnit.MILLISECOND, u: arrow.TimeUnit.MICROSECOND } as const;

/** What apache-arrow writes for the same stream: its schema, dictionary and a batch of no rows. */
function arrowsOwn(layout: ArrowLayout, seriesNames: readonly string[]): Uint8Array {
  const seriesType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0, false);
  const typeOf = (type: ArrowColumnType): arrow.DataType =>
    type === 'float64' ? new arrow.Float64() : type === 'int64' ? new arrow.Int64() : type === 'bool' ? new arrow.Bool() : new arrow.Utf8();
  const fields = [
    new arrow.Field('series', seriesType, false),
    new arrow.Field('time', new arrow.Timestamp(UNITS[layout.precision], 'UTC'), false),
    ...(layout.withSeq ? [new arrow.Field('sequence_number', new arrow.Int64(), false)] : []),
    ...layout.columns.map((c) => new arrow.Field(c.name, typeOf(c.type), true, c.type === 'text' ? new Map([['sluice.values', 'json']]) : undefined)),
  ];
  const schema = new arrow.Schema(fields);
  const dictionary = arrow.vectorFromArray([...seriesNames], new arrow.Utf8());
  const children = fields.map((field) =>
    field.type === seriesType
      ? arrow.makeData({ type: seriesType, length: 0, nullCount: 0, data: new Int32Array(0), dictionary })
      : arrow.makeData({ type: field.type as arrow.DataType, length: 0 }),
  );
  const empty = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: 0, nullCount: 0, children }));
  const bytes = arrow.tableToIPC(new arrow.Table([empty]), 'stream');
  return bytes.subarray(0, bytes.length - END_OF_STREAM.length);
}

const everyType = EVERY_COLUMN_TYPE;

test('every column type, with sequence numbers, gives apache-arrow’s bytes', (t) => {
  t.deepEqual(arrowStreamHead(everyType, ['cpu', 'mem.é', '']), arrowsOwn(everyType, ['cpu', 'mem.é', '']));
});

test('no series, no columns, each precision, no sequence numbers', (t) => {
  for (const precision of ['s', 'ms', 'u'] as const) {
    for (const withSeq of [true, false]) {
      const layout: ArrowLayout = { precision, withSeq, columns: [] };
      t.deepEqual(arrowStreamHead(layout, []), arrowsOwn(layout, []), `${precision} ${withSeq}`);
    }
  }
});

test('any layout and series names give apache-arrow’s bytes', (t) => {
  const type = fc.constantFrom<ArrowColumnType>('float64', 'int64', 'bool', 'utf8', 'text');
  const layout = fc.record({
    precision: fc.constantFrom('s' as const, 'ms' as const, 'u' as const),
    withSeq: fc.boolean(),
    columns: fc.uniqueArray(fc.record({ name: fc.string({ unit: 'binary', maxLength: 12 }), type }), { maxLength: 8, selector: (c) => c.name }),
  });
  fc.assert(
    fc.property(layout, fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 40 }), (l, names) =>
      Buffer.from(arrowStreamHead(l, names)).equals(arrowsOwn(l, names)),
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('thousands of series and columns: the same bytes, read back by apache-arrow', (t) => {
  const names = Array.from({ length: 5000 }, (_, i) => `host-${i}.cpu`);
  const layout: ArrowLayout = { precision: 'ms', withSeq: false, columns: Array.from({ length: 3000 }, (_, i) => ({ name: `c${i}`, type: 'float64' as const })) };
  const head = arrowStreamHead(layout, names);
  t.deepEqual(head, arrowsOwn(layout, names));
  const table = arrow.tableFromIPC(Buffer.concat([head, END_OF_STREAM]));
  t.is(table.numRows, 0);
  t.is(table.schema.fields.length, 3002);
  t.deepEqual(table.schema.fields.slice(0, 3).map((f) => f.name), ['series', 'time', 'c0']);
});
