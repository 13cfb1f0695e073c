import test from 'ava';
import { BlockCache } from '../../src/storage/block-cache.js';
import { rowsBytes } from '../../src/storage/columns.js';
import { seriesOf, T0 } from '../helpers/series-rows.js';

/** A decoded block of `rows` rows with one column: 25 bytes a row. */
const block = (rows: number) => seriesOf('s', Array.from({ length: rows }, (_, i) => ({ time: T0 + i, values: { v: i } })));

test('a block is decoded once and then served from the cache', (t) => {
  const cache = new BlockCache(10_000);
  let decodes = 0;
  const decode = () => {
    decodes++;
    return block(10);
  };
  const first = cache.get('a', 0, decode);
  t.is(cache.get('a', 0, decode), first);
  t.is(decodes, 1);
});

test('the least recently used blocks go when the budget is passed', (t) => {
  const cache = new BlockCache(25 * 100 * 2); // two 100-row blocks
  let decodes = 0;
  const decode = () => {
    decodes++;
    return block(100);
  };
  cache.get('a', 0, decode);
  cache.get('a', 1, decode);
  cache.get('a', 0, decode); // a:0 is now the most recent
  cache.get('a', 2, decode); // evicts a:1
  t.is(decodes, 3);
  cache.get('a', 0, decode);
  t.is(decodes, 3, 'a:0 stayed');
  cache.get('a', 1, decode);
  t.is(decodes, 4, 'a:1 was evicted');
});

test('dropping a file forgets its blocks; a zero budget caches nothing', (t) => {
  const cache = new BlockCache(1_000_000);
  let decodes = 0;
  const decode = () => {
    decodes++;
    return block(10);
  };
  cache.get('a', 0, decode);
  cache.get('b', 0, decode);
  cache.dropFile('a');
  cache.get('a', 0, decode);
  cache.get('b', 0, decode);
  t.is(decodes, 3);
  const none = new BlockCache(0);
  none.get('a', 0, decode);
  none.get('a', 0, decode);
  t.is(decodes, 5);
});

test('a file that takes a dropped file number never sees the dropped blocks', (t) => {
  const cache = new BlockCache(1_000_000);
  const first = block(10);
  cache.get('old', 64, () => first);
  cache.dropFile('old');
  const fresh = block(10);
  t.is(cache.get('new', 64, () => fresh), fresh);
  t.is(cache.get('new', 64, () => block(10)), fresh, 'and the new file is cached under the reused number');
});

test('a block read since the sweep last passed it gets a second chance; the block being added is never swept', (t) => {
  const cache = new BlockCache(25 * 100 * 3); // three 100-row blocks
  const decodes: number[] = [];
  const decode = (offset: number) => () => {
    decodes.push(offset);
    return block(100);
  };
  for (const offset of [0, 1, 2]) cache.get('a', offset, decode(offset));
  // Every block read again: the sweep for a fourth clears their flags and takes the oldest.
  for (const offset of [0, 1, 2]) cache.get('a', offset, decode(offset));
  cache.get('a', 3, decode(3));
  cache.get('a', 3, decode(3));
  t.deepEqual(decodes, [0, 1, 2, 3], 'the fourth block was kept, not swept while making room for it');
  // 1 and 2 are kept, 0 went; 1 read again outlives 2 at the next addition.
  cache.get('a', 1, decode(1));
  cache.get('a', 4, decode(4));
  cache.get('a', 1, decode(1));
  cache.get('a', 0, decode(0));
  t.deepEqual(decodes, [0, 1, 2, 3, 4, 0]);
});

test('a block admitted with zone maps counts their bytes against the budget', (t) => {
  // 1024 rows 10 s apart: the cache maps their 5-minute zones as it admits them.
  const mapped = () => seriesOf('s', Array.from({ length: 1024 }, (_, i) => ({ time: T0 + i * 10_000_000, values: { v: i + 0.5 } })));
  const rowsOnly = rowsBytes(mapped());
  const cache = new BlockCache(2 * rowsOnly); // two blocks' rows, but not their maps as well
  let decodes = 0;
  const decode = () => {
    decodes++;
    return mapped();
  };
  cache.get('a', 0, decode);
  cache.get('a', 1, decode);
  cache.get('a', 0, decode);
  t.is(decodes, 3, 'the second block pushed the first out');
});
