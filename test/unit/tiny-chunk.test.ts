/**
 * Tiny memtable chunks (tiny-chunk.ts): a few rows in two arrays give back every cell, a seal
 * of a point or two goes into the series' last chunk, and the memtable counts what the chunks
 * really hold.
 */
import test from 'ava';
import { isConstantColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { combinePieces } from '../../src/storage/combine.js';
import { chunkBytes, packedObjectBytes } from '../../src/storage/memory-chunk.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { appendTiny, packTiny, TINY_CHUNK_ROWS, unpackTiny } from '../../src/storage/tiny-chunk.js';
import { encodeWriteBatch, readWriteBatch } from '../../src/storage/write-batch.js';
import { scalarAt } from '../../src/engine/values.js';
import { columnFromValues, type Value } from '../helpers/series-rows.js';

function rows(time: number[], seq: number[], columns: Record<string, Value[]>): SeriesColumns {
  return {
    series: 's',
    count: time.length,
    time: Float64Array.from(time),
    seq: Float64Array.from(seq),
    columns: Object.entries(columns).map(([name, values]) => columnFromValues(name, values)),
  };
}

function cells(data: SeriesColumns, name: string): Value[] {
  const column = data.columns.find((c) => c.name === name)!;
  return Array.from({ length: data.count }, (_, i) => scalarAt(column, i));
}

/** One batch per call, as a shard's writes feed a memtable, then a seal (as a shard seals every 8 MiB). */
function writeAndSeal(memory: SeriesMemory, data: SeriesColumns): void {
  const batch = readWriteBatch(encodeWriteBatch('db', [data]));
  memory.append(batch.views, batch.entries[0]!, data.count);
  memory.seal();
}

function snapshotOf(memory: SeriesMemory): SeriesColumns {
  return combinePieces(memory.series, memory.pieces().map((piece) => piece.load()));
}

test('a tiny chunk gives back every kind of cell, ints whose bits read as a NaN included', (t) => {
  // -1n is all one bits: a NaN pattern if the slot were copied as a float.
  const data = rows([10, 20, 30], [1, 2, 3], { f: [1.5, 2.5, 3.5], i: [-1n, 2n ** 62n, null], b: [true, false, true], s: ['x', 'y', 'x'], mixed: [1, 'z', 4n] });
  const back = unpackTiny(packTiny(data), 's', 3);
  t.deepEqual([...back.time], [10, 20, 30]);
  t.deepEqual([...back.seq], [1, 2, 3]);
  for (const name of ['f', 'i', 'b', 's', 'mixed']) t.deepEqual(cells(back, name), cells(data, name), name);
  t.is(back.columns.find((c) => c.name === 'f')!.uniformKind, ValueKind.Float);
});

test('a seal that follows the last tiny chunk goes into it; strings stay one table, a tag stays constant', (t) => {
  const first = rows([10], [1], { host: ['a'], v: ['down'] });
  const next = rows([20, 30], [2, 3], { host: ['a', 'a'], v: [2, 'up'] });
  const joined = appendTiny(packTiny(first), 1, next)!;
  t.deepEqual(joined.strings?.[0], ['a']);
  const back = unpackTiny(joined, 's', 3);
  t.true(isConstantColumn(back.columns[0]!));
  t.deepEqual(cells(back, 'host'), ['a', 'a', 'a']);
  // 'up' was string 0 of its seal; it is string 1 of the joined table.
  t.deepEqual(cells(back, 'v'), ['down', 2, 'up']);
  // Rows before the last one, or other columns, are not appended.
  t.is(appendTiny(packTiny(first), 1, rows([10], [1], { host: ['a'], v: [5] })), null);
  t.is(appendTiny(packTiny(first), 1, rows([5], [9], { host: ['a'], v: [5] })), null);
  t.is(appendTiny(packTiny(first), 1, rows([20], [2], { v: [5], host: ['a'] })), null);
});

test('a series sealed a point at a time keeps one chunk until it outgrows a tiny one, and reads every point', (t) => {
  const memory = new SeriesMemory('s');
  for (let i = 0; i < TINY_CHUNK_ROWS; i++) writeAndSeal(memory, rows([i * 10], [i + 1], { v: [i] }));
  t.is(memory.sealedChunks().length, 1);
  t.is(memory.count, TINY_CHUNK_ROWS);
  // 64 points of one column: far less than 64 packed chunks' objects.
  t.true(memory.sealedBytes < 3 * packedObjectBytes(1), `${memory.sealedBytes} bytes`);
  t.is(memory.sealedBytes, chunkBytes(memory.sealedChunks()[0]!));
  writeAndSeal(memory, rows([TINY_CHUNK_ROWS * 10], [TINY_CHUNK_ROWS + 1], { v: [TINY_CHUNK_ROWS] }));
  t.is(memory.sealedChunks().length, 2);
  t.deepEqual(cells(snapshotOf(memory), 'v'), Array.from({ length: TINY_CHUNK_ROWS + 1 }, (_, i) => i));
});

test('points sealed out of order, or written twice, merge into the tiny chunk as a scan would read them', (t) => {
  const memory = new SeriesMemory('s');
  writeAndSeal(memory, rows([30], [3], { v: [3] }));
  writeAndSeal(memory, rows([10], [1], { v: [1] }));
  // The same point again (time and sequence number): its newer value wins.
  writeAndSeal(memory, rows([30], [3], { v: [33] }));
  writeAndSeal(memory, rows([20], [2], { v: [2], extra: ['e'] }));
  t.is(memory.sealedChunks().length, 1);
  t.is(memory.count, 3);
  const snapshot = snapshotOf(memory);
  t.deepEqual([...snapshot.time], [10, 20, 30]);
  t.deepEqual(cells(snapshot, 'v'), [1, 2, 33]);
  t.deepEqual(cells(snapshot, 'extra'), [null, 'e', null]);
  t.is(memory.sealedBytes, chunkBytes(memory.sealedChunks()[0]!));
});
