import test from 'ava';
import { BatchLayouts } from '../../src/storage/batch-layouts.js';
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { encodeWriteBatch, readWriteBatch, type WriteBatchEntries } from '../../src/storage/write-batch.js';

/** A batch of one point per series, each series with the given columns. */
function batchOf(series: readonly string[], columns: readonly string[] = ['value'], db = 'db'): WriteBatchEntries {
  const entries: SeriesColumns[] = series.map((name) => ({
    series: name,
    count: 1,
    time: Float64Array.of(1),
    seq: Float64Array.of(1),
    columns: columns.map((column) => {
      const values = allocateColumn(column, 1);
      [values.kinds[0], values.floats[0]] = [ValueKind.Float, 1];
      return values;
    }),
  }));
  return readWriteBatch(encodeWriteBatch(db, entries));
}

test('a batch naming the same series and columns in the same order finds the values remembered with its layout', (t) => {
  const layouts = new BatchLayouts<string>();
  t.is(layouts.find(batchOf(['a', 'b'])), undefined);
  layouts.remember(batchOf(['a', 'b']), ['A', 'B']);
  t.deepEqual(layouts.find(batchOf(['a', 'b'])), ['A', 'B']);
  t.is(layouts.find(batchOf(['a', 'c'])), undefined, 'another series');
  t.is(layouts.find(batchOf(['a', 'bb'])), undefined, 'a longer name');
  t.is(layouts.find(batchOf(['a', 'b'], ['value', 'other'])), undefined, 'another column');
  t.is(layouts.find(batchOf(['a', 'b'], ['valuf'])), undefined, 'a column named otherwise');
  t.is(layouts.find(batchOf(['a', 'b'], ['value'], 'other')), undefined, 'another database');
  t.is(layouts.find(batchOf(['a', 'b', 'c'])), undefined, 'more entries');
  layouts.clear();
  t.is(layouts.find(batchOf(['a', 'b'])), undefined);
});

test('a layout naming a value twice, or of a huge batch, is not remembered; the oldest of many goes first', (t) => {
  const layouts = new BatchLayouts<string>();
  layouts.remember(batchOf(['a', 'a']), ['A', 'A']);
  t.is(layouts.find(batchOf(['a', 'a'])), undefined);
  const huge = Array.from({ length: 9000 }, (_, i) => `s${i}`);
  layouts.remember(batchOf(huge), huge);
  t.is(layouts.find(batchOf(huge)), undefined);
  for (let i = 0; i < 9; i++) layouts.remember(batchOf([`first${i}`]), [`F${i}`]);
  t.is(layouts.find(batchOf(['first0'])), undefined, 'the ninth layout pushed out the first');
  t.deepEqual(layouts.find(batchOf(['first8'])), ['F8']);
  t.deepEqual(layouts.find(batchOf(['first1'])), ['F1']);
});
