/**
 * Blocks packed for the trip from a series' shard to the merging thread (block-wire.ts) come
 * back with every value kind, int64 extreme, null and string (unicode, empty, repeated) intact.
 */
import test from 'ava';
import { packBlock, unpackBlock, wireBuffers } from '../../src/storage/block-wire.js';
import { columnOf, EVERY_KIND_WITH_NULLS, MIXED_KINDS, seriesOf, STRINGS, summaryOf } from '../helpers/series-rows.js';

test('a packed block unpacks to the same rows', (t) => {
  for (const block of [seriesOf('every', EVERY_KIND_WITH_NULLS), seriesOf('mixed', MIXED_KINDS), columnOf('strings', STRINGS), columnOf('empty', [])]) {
    t.deepEqual(summaryOf(unpackBlock(packBlock(block))), summaryOf(block), block.series);
  }
});

test('a packed block is nothing but transferable buffers', (t) => {
  const wire = packBlock(columnOf('strings', STRINGS));
  const copy = structuredClone(wire, { transfer: wireBuffers(wire) });
  t.deepEqual(summaryOf(unpackBlock(copy)), summaryOf(columnOf('strings', STRINGS)));
  t.is(wire.time.length, 0, 'the sender no longer holds the buffers');
});
