import test from 'ava';
import { RowSlab } from '../../src/storage/row-slab.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { packedObjectBytes } from '../../src/storage/memory-chunk.js';
import { scalarAt } from '../../src/engine/values.js';
import { hasSharedKinds, rowsBytes, ValueKind } from '../../src/storage/columns.js';
import { encodeWriteBatch, readWriteBatch } from '../../src/storage/write-batch.js';
import { columnFromValues } from '../helpers/series-rows.js';

test('carved arrays are zeroed, 8-byte aligned and never overlap', (t) => {
  const slab = new RowSlab();
  const carved: { floats: Float64Array; kinds: Uint8Array; mark: number }[] = [];
  // Enough small pieces to spill into a second block, and odd counts so kinds end unaligned.
  for (let i = 0; i < 3000; i++) {
    const count = 1 + ((i * 37) % 61);
    const floats = slab.floats(count);
    const kinds = slab.bytes(count);
    t.is(floats.byteOffset % 8, 0);
    t.is(kinds.byteOffset % 8, 0);
    t.true(floats.every((v) => v === 0));
    t.true(kinds.every((k) => k === 0));
    floats.fill(i + 0.5);
    kinds.fill(i % 251);
    carved.push({ floats, kinds, mark: i });
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
    const [chunk] = memory.pieces().map((piece) => piece.load());
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

test('a column that holds a float in every row is sealed with shared kinds; any other keeps kinds of its own', (t) => {
  // Rounds 0–3, two rows each. `f`: floats throughout. `late`: floats from round 2 (null
  // before). `gap`: floats but missing in round 2. `turns`: floats, then an int in round 3.
  // `holed`: floats with a null row in round 1. `tagged`: one string, then floats. `ends`:
  // floats in rounds 0 and 1 only. Sealed as packed chunks (not tiny ones) with their objects.
  const memory = new SeriesMemory('s', 0);
  const valuesOf = (round: number) => ({
    f: [round, round + 0.5],
    ...(round >= 2 ? { late: [round * 10, round * 10 + 1] } : {}),
    ...(round !== 2 ? { gap: [-round, -round - 0.25] } : {}),
    turns: round === 3 ? [3n, 4n] : [round + 0.125, round + 0.375],
    holed: round === 1 ? [1, null] : [round, round],
    tagged: round === 0 ? ['x', 'x'] : [round, round],
    ...(round < 2 ? { ends: [round + 7, round + 8] } : {}),
  });
  for (let round = 0; round < 4; round++) {
    const values = valuesOf(round);
    const entry = {
      series: 's',
      count: 2,
      time: Float64Array.from([round * 10 + 1, round * 10 + 2]),
      seq: Float64Array.from([2 * round + 1, 2 * round + 2]),
      columns: Object.entries(values).map(([name, column]) => columnFromValues(name, column as (number | bigint | string | null)[])),
    };
    const batch = readWriteBatch(encodeWriteBatch('db', [entry]));
    memory.append(batch.views, batch.entries[0]!, 2);
  }
  const [chunk] = memory.pieces().map((piece) => piece.load());
  const column = (name: string) => chunk!.columns.find((c) => c.name === name)!;
  const read = (name: string) => Array.from({ length: 8 }, (_, i) => scalarAt(column(name), i));
  t.deepEqual(read('f'), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
  t.deepEqual(read('late'), [null, null, null, null, 20, 21, 30, 31]);
  t.deepEqual(read('gap'), [-0, -0.25, -1, -1.25, null, null, -3, -3.25]);
  t.deepEqual(read('turns'), [0.125, 0.375, 1.125, 1.375, 2.125, 2.375, 3n, 4n]);
  t.deepEqual(read('holed'), [0, 0, 1, null, 2, 2, 3, 3]);
  t.deepEqual(read('tagged'), ['x', 'x', 1, 1, 2, 2, 3, 3]);
  t.deepEqual(read('ends'), [7, 8, 8, 9, null, null, null, null]);
  t.is(column('f').uniformKind, ValueKind.Float);
  t.true(hasSharedKinds(column('f')));
  for (const name of ['late', 'gap', 'turns', 'holed', 'tagged', 'ends']) {
    t.is(column(name).uniformKind, undefined, name);
    t.false(hasSharedKinds(column(name)), name);
  }
  // Times and sequence numbers 16 bytes a row once loaded, `f` 8 (no kinds), the other six 9,
  // and the two strings of round 0 (the test's column lists the string once per row). Sealed,
  // the times and sequence numbers (spanning 31 and 7) are packed in 2 bytes each, and `f`,
  // one decimal spanning 35 tenths, in 2 bytes too.
  const otherColumnBytes = 6 * 8 * 9 + 2 * (16 + 2);
  t.is(rowsBytes(chunk!), 8 * 16 + 8 * 8 + otherColumnBytes);
  t.is(memory.sealedBytes, 8 * (2 + 2) + 8 * 2 + otherColumnBytes + packedObjectBytes(7));
});
