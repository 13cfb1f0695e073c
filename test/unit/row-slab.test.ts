import test from 'ava';
import { RowSlab } from '../../src/storage/row-slab.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { scalarAt } from '../../src/engine/values.js';
import { encodeWriteBatch, readWriteBatch } from '../../src/storage/write-batch.js';
import { columnFromValues } from '../helpers/series-rows.js';

test('carved arrays are zeroed, 8-byte aligned and never overlap', (t) => {
  const slab = new RowSlab();
  const carved: { floats: Float64Array; kinds: Uint8Array; mark: number }[] = [];
  // Enough small pieces to spill into a second block, and odd counts so kinds end unaligned.
  for (let i = 0; i < 3000; i++) {
    const count = 1 + ((i * 37) % 61);
    const column = slab.column('value', count);
    const floats = i % 3 === 0 ? slab.floats(count) : column.floats;
    t.is(floats.byteOffset % 8, 0);
    t.true(floats.every((v) => v === 0));
    t.true(column.kinds.every((k) => k === 0));
    t.is(column.ints.buffer, column.floats.buffer);
    t.is(column.ints.byteOffset, column.floats.byteOffset);
    floats.fill(i + 0.5);
    column.kinds.fill(i % 251);
    carved.push({ floats, kinds: column.kinds, mark: i });
  }
  for (const { floats, kinds, mark } of carved) {
    t.true(floats.every((v) => v === mark + 0.5), `piece ${mark} was overwritten by a later one`);
    t.true(kinds.every((k) => k === mark % 251), `kinds of piece ${mark} were overwritten`);
  }
  t.true(new Set(carved.map(({ floats }) => floats.buffer)).size < 10, 'small pieces share buffers');
});

test('a large request gets a buffer of its own', (t) => {
  const slab = new RowSlab();
  slab.floats(3);
  const big = slab.floats(100_000);
  t.is(big.byteOffset, 0);
  t.is(big.buffer.byteLength, 800_000);
  t.not(slab.floats(3).buffer, big.buffer);
});

test('series sealed side by side keep their own rows, and a column an entry lacks reads null', (t) => {
  const memories = Array.from({ length: 300 }, (_, s) => new SeriesMemory(`s${s}`));
  for (let round = 0; round < 4; round++) {
    const entries = memories.map((memory, s) => ({
      series: memory.series,
      count: 2,
      time: Float64Array.from([round * 10 + 1, round * 10 + 2]),
      seq: Float64Array.from([2 * round + 1, 2 * round + 2]),
      // Every other round leaves out column `b`.
      columns: [columnFromValues('a', [s * 100 + round, s * 100 + round + 0.5]), ...(round % 2 === 0 ? [columnFromValues('b', [`r${round}`, null])] : [])],
    }));
    const batch = readWriteBatch(encodeWriteBatch('db', entries));
    batch.entries.forEach((entryAt, i) => memories[i]!.append(batch.views, entryAt, 2));
  }
  memories.forEach((memory, s) => {
    const [chunk] = memory.pieces();
    const column = (name: string) => chunk!.columns.find((c) => c.name === name)!;
    t.deepEqual([...chunk!.time], [1, 2, 11, 12, 21, 22, 31, 32]);
    t.deepEqual(
      Array.from({ length: 8 }, (_, i) => scalarAt(column('a'), i)),
      [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((v) => s * 100 + v),
    );
    t.deepEqual(
      Array.from({ length: 8 }, (_, i) => scalarAt(column('b'), i)),
      ['r0', null, null, null, 'r2', null, null, null],
    );
  });
});
