/**
 * The record batch encoder, read back by apache-arrow: every column type, nulls, values beyond
 * 2^53, and a builder reused for a second batch (as a scan cursor reuses it page after page)
 * carrying nothing over from the first.
 */
import test from 'ava';
import { EVERY_COLUMN_TYPE } from '../helpers/arrow-layouts.js';
import { tableFromIPC } from 'apache-arrow';
import { RecordBatchBuilder } from '../../src/engine/arrow/record-batch.js';
import { allocateColumn, type Column } from '../../src/storage/columns.js';
import { setScalar, type Scalar } from '../../src/engine/values.js';
import { arrowStreamHead, END_OF_STREAM } from '../../src/engine/arrow/stream-head.js';

const layout = EVERY_COLUMN_TYPE;

function column(name: string, values: Scalar[]): Column {
  const c = allocateColumn(name, values.length);
  values.forEach((v, i) => setScalar(c, i, v));
  return c;
}

function read(...batches: Uint8Array[]): Record<string, unknown>[] {
  const bytes = Buffer.concat([arrowStreamHead(layout, ['a', 'b']), ...batches, END_OF_STREAM]);
  const table = tableFromIPC(bytes);
  // apache-arrow reads a timestamp as float milliseconds: the stored int64 is compared instead.
  const times = table.getChild('time')!.data.flatMap((data) => [...(data.values as BigInt64Array).subarray(0, data.length)]);
  return table.toArray().map((row, i) => ({ ...row.toJSON(), time: times[i] }));
}

test('each column type reads back exactly; a reused builder starts empty', (t) => {
  const builder = new RecordBatchBuilder(layout, 4);
  const time = Float64Array.of(1, -2, 2 ** 60, 4);
  const seq = Float64Array.of(10, 20, 30, 2 ** 53 + 2);
  const columns = [
    column('f', [1.5, null, -0, 2]),
    column('i', [9223372036854775807n, -9223372036854775808n, null, 3n]),
    column('b', [true, false, null, true]),
    column('s', ['é', null, '', 'z']),
    column('x', [1n, 'a"b', true, null]),
  ];
  builder.append(1, time, seq, columns, Int32Array.of(3, 1, 0), 3);
  const first = read(builder.finish());
  t.deepEqual(first, [
    { series: 'b', time: 4n, sequence_number: 2n ** 53n + 2n, f: 2, i: 3n, b: true, s: 'z', x: null },
    { series: 'b', time: -2n, sequence_number: 20n, f: null, i: -9223372036854775808n, b: false, s: null, x: '"a\\"b"' },
    { series: 'b', time: 1n, sequence_number: 10n, f: 1.5, i: 9223372036854775807n, b: true, s: 'é', x: '1' },
  ]);
  builder.reset();
  builder.append(0, time, seq, [undefined, undefined, undefined, undefined, columns[4]], Int32Array.of(2), 1);
  t.deepEqual(read(builder.finish()), [{ series: 'a', time: 2n ** 60n, sequence_number: 30n, f: null, i: null, b: null, s: null, x: 'true' }]);
  builder.reset();
  t.is(builder.finish().byteLength, 0, 'an empty batch is no message');
});
