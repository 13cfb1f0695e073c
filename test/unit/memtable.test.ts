import test from 'ava';
import type { SeriesColumns } from '../../src/storage/columns.js';
import { columnFromValues } from '../helpers/series-rows.js';
import { scalarAt } from '../../src/engine/values.js';
import { combinePieces } from '../../src/storage/combine.js';
import { sortOrder } from '../../src/storage/row-order.js';
import { packedObjectBytes } from '../../src/storage/memory-chunk.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { seriesBlocks } from '../../src/storage/series-blocks.js';
import { encodeWriteBatch, readWriteBatch } from '../../src/storage/write-batch.js';

type Cell = number | string | bigint | boolean | null;

/** Rows of one series from plain values: `columns[name][row]`. */
function rows(series: string, time: number[], seq: number[], columns: Record<string, Cell[]>): SeriesColumns {
  const n = time.length;
  return {
    series,
    count: n,
    time: Float64Array.from(time),
    seq: Float64Array.from(seq),
    columns: Object.entries(columns).map(([name, values]) => columnFromValues(name, values)),
  };
}

function cells(data: SeriesColumns, name: string): Cell[] {
  const column = data.columns.find((c) => c.name === name);
  return Array.from({ length: data.count }, (_, i) => (column ? scalarAt(column, i) : null));
}

/** Appends each series entry of a batch holding `entries`, as a shard does with a write. */
function append(memory: SeriesMemory, ...entries: SeriesColumns[]): void {
  const batch = readWriteBatch(encodeWriteBatch('db', entries));
  batch.entries.forEach((entryAt, i) => memory.append(batch.views, entryAt, entries[i]!.count));
}

/** Everything a series' memtable holds, as one time-ordered view (as a scan sees it). */
function snapshotOf(memory: SeriesMemory): SeriesColumns {
  return combinePieces(memory.series, memory.pieces().map((piece) => piece.load()));
}

test('rows appended from many batches come back complete and in time order', (t) => {
  const buffer = new SeriesMemory('cpu');
  // More rows than a seal gathers in the thread's kept array (KEPT_GATHER_ROWS): the seal gets its own.
  const total = 100_000;
  for (let start = 0; start < total; start += 5) {
    const time = [0, 1, 2, 3, 4].map((i) => (start + i) * 10);
    append(buffer, rows('cpu', time, time.map((x) => x + 1), { value: time.map((x) => x / 100) }));
  }
  t.true(buffer.hasUnsealed);
  const snapshot = snapshotOf(buffer);
  t.false(buffer.hasUnsealed);
  t.is(snapshot.count, total);
  t.is(snapshot.time[total - 1], (total - 1) * 10);
  t.is(cells(snapshot, 'value')[12_345], 1234.5);
  // Time and sequence number packed in 4 bytes each (packed-numbers.ts, spanning about a
  // million), and the values, decimals of one digit spanning 100,000 tenths, in 4 more (a
  // column of floats alone needs no kinds: columns.ts); and the one chunk's objects.
  t.is(buffer.sealedBytes, total * 12 + packedObjectBytes(1));
});

test('batches that arrive out of order are sealed in time order, whatever the order or overlap', (t) => {
  // Entries of 5 points, each sorted, 10 apart; delivered in the order `arrival` gives.
  const entryAt = (k: number): SeriesColumns => {
    const time = [0, 1, 2, 3, 4].map((i) => (5 * k + i) * 10);
    return rows('s', time, time.map((x) => x + 1), { v: time.map((x) => x / 10) });
  };
  const neighboursSwapped = Array.from({ length: 60 }, (_, k) => (k % 2 === 0 ? k + 1 : k - 1));
  const reversed = Array.from({ length: 60 }, (_, k) => 59 - k);
  for (const [label, arrival] of [['neighbours swapped', neighboursSwapped], ['reversed', reversed]] as const) {
    const memory = new SeriesMemory('s');
    for (const k of arrival) append(memory, entryAt(k));
    const read = snapshotOf(memory);
    t.deepEqual(Array.from(read.time), Array.from({ length: 300 }, (_, i) => i * 10), label);
    t.deepEqual(cells(read, 'v'), Array.from({ length: 300 }, (_, i) => i), label);
  }
  // Overlapping entries, and one unsorted inside: still one sorted chunk.
  const memory = new SeriesMemory('s');
  append(memory, rows('s', [50, 70], [5, 7], { v: [5, 7] }));
  append(memory, rows('s', [40, 60], [4, 6], { v: [4, 6] }));
  append(memory, rows('s', [90, 80], [9, 8], { v: [9, 8] }));
  t.deepEqual(Array.from(snapshotOf(memory).time), [40, 50, 60, 70, 80, 90]);
});

test('each seal adds one sorted chunk; rows sealed apart still read as one series', (t) => {
  // No tiny chunks: each seal would go into the one before (see the tiny-chunk tests).
  const memory = new SeriesMemory('s', 0);
  append(memory, rows('s', [30, 10], [3, 1], { v: [3, 1] }));
  memory.seal();
  append(memory, rows('s', [20], [2], { v: [2] }));
  memory.seal();
  append(memory, rows('s', [50, 40], [5, 4], { v: [5, 4] }));
  const chunks = memory.sealedChunks();
  t.is(chunks.length, 3);
  t.deepEqual([chunks[0]!.minTime, chunks[0]!.maxTime], [10, 30]);
  t.deepEqual(cells(snapshotOf(memory), 'v'), [1, 2, 3, 4, 5]);
});

test('chunks whose times overlap are merged once a scan reads them; chunks apart stay as they are', (t) => {
  // Packed chunks only: tiny ones would be one chunk from the start (see the tiny-chunk tests).
  const memory = new SeriesMemory('s', 0);
  // Two chunks that overlap (one point written twice: its newer value wins), then one apart.
  append(memory, rows('s', [10, 30], [1, 3], { v: [1, 3] }));
  memory.seal();
  append(memory, rows('s', [20, 30], [2, 3], { v: [2, 33] }));
  memory.seal();
  append(memory, rows('s', [40, 50], [4, 5], { v: [4, 5] }));
  memory.seal();
  const apart = memory.sealedChunks()[2];
  const bytesBefore = memory.sealedBytes;
  // A flush reads the chunks as sealed (its block writer merges them as it goes).
  t.is(memory.pieces().length, 3);
  t.is(memory.sealedBytes, bytesBefore);
  const pieces = memory.settledPieces();
  t.deepEqual(pieces.map((p) => [p.minTime, p.maxTime, p.count]), [[10, 30, 3], [40, 50, 2]]);
  t.deepEqual(cells(pieces[0]!.load(), 'v'), [1, 2, 33]);
  t.is(memory.sealedChunks()[1], apart);
  t.is(memory.count, 5);
  // The merged chunk's 3 rows (time, sequence number and value each packed in 2 bytes: they
  // span less than 2^16) and its objects are counted on top of the chunks it replaced, which
  // the slab holds until the flush.
  const row = 2 + 2 + 2;
  const objects = packedObjectBytes(1);
  t.is(memory.sealedBytes, bytesBefore + 3 * row + objects);
  // Settled chunks are read as they are, again and again.
  t.is(memory.sealedChunks()[0], memory.sealedChunks()[0]);
  t.deepEqual(cells(snapshotOf(memory), 'v'), [1, 2, 33, 4, 5]);
  // A new chunk overlapping the merged one merges with it again: the merged chunk's own
  // arrays are freed with it, so its bytes leave the count; the sealed chunk's stay.
  append(memory, rows('s', [25], [9], { v: [7] }));
  memory.seal();
  t.is(memory.sealedBytes, bytesBefore + 3 * row + objects + row + objects);
  t.deepEqual(cells(memory.settledPieces()[0]!.load(), 'v'), [1, 2, 7, 33]);
  t.is(memory.sealedBytes, bytesBefore + 3 * row + objects + row + objects + (4 * row + objects) - (3 * row + objects));
});

test('a scan of a small part of a memtable merges only the chunks it reads; one of most of it settles them', (t) => {
  // Three chunks overlapping in a chain, as concurrent writers leave successive seals.
  const memory = new SeriesMemory('s', 0);
  const seal = (time: number[], v: number[]) => {
    append(memory, rows('s', time, time.map(() => 1), { v }));
    memory.seal();
  };
  seal([10, 20, 30], [1, 2, 3]);
  seal([25, 30, 40, 50], [25, 33, 4, 5]);
  seal([45, 60, 70], [45, 6, 7]);
  const chunks = memory.sealedChunks();
  // [55, 80) reads the last chunk only: nothing is merged, and the scan gets its rows.
  const part = memory.settledPieces(55, 80);
  t.is(part.length, 3);
  t.deepEqual(memory.sealedChunks(), chunks);
  const read = [...seriesBlocks(part, 55, 80, 'asc')];
  t.deepEqual(read.flatMap((block) => cells(block, 'v')), [6, 7]);
  // [20, 60) reads all three chunks' rows, most of the memtable: the chain is merged, (30, 1)
  // written twice keeps its newer value, and the next scans read one chunk.
  const most = memory.settledPieces(20, 60);
  t.deepEqual(most.map((p) => [p.minTime, p.maxTime, p.count]), [[10, 70, 9]]);
  t.deepEqual(cells(most[0]!.load(), 'v'), [1, 2, 25, 33, 4, 45, 5, 6, 7]);
  t.is(memory.count, 9);
});

test('out-of-order writes are sorted by time then sequence number', (t) => {
  const buffer = new SeriesMemory('s');
  append(buffer, rows('s', [30, 10], [3, 1], { v: [3, 1] }));
  append(buffer, rows('s', [20, 10], [2, 0], { v: [2, 0] }));
  const snapshot = snapshotOf(buffer);
  t.deepEqual([...snapshot.time], [10, 10, 20, 30]);
  t.deepEqual(cells(snapshot, 'v'), [0, 1, 2, 3]);
});

test('strings, ints, bools and columns that appear later survive, with nulls before they appear', (t) => {
  const buffer = new SeriesMemory('s');
  append(buffer, rows('s', [1], [1], { a: ['x'] }));
  append(buffer, rows('s', [2, 3], [2, 3], { a: ['y', null], b: [9223372036854775807n, true] }));
  const snapshot = snapshotOf(buffer);
  t.deepEqual(cells(snapshot, 'a'), ['x', 'y', null]);
  t.deepEqual(cells(snapshot, 'b'), [null, 9223372036854775807n, true]);
  t.deepEqual(snapshot.columns.map((c) => c.name), ['a', 'b']);
});

test('a point written twice merges: each column keeps its newest value', (t) => {
  const older = rows('s', [10, 20], [1, 2], { a: [1, 2], b: ['old', 'kept'] });
  const newer = rows('s', [10], [1], { a: [100], b: [null] });
  const merged = combinePieces('s', [older, newer]);
  t.is(merged.count, 2);
  t.deepEqual(cells(merged, 'a'), [100, 2]);
  t.deepEqual(cells(merged, 'b'), ['old', 'kept']);
});

test('pieces that follow each other in time are concatenated without a sort', (t) => {
  const first = rows('s', [1, 2], [1, 2], { v: [1, 2] });
  const second = rows('s', [3, 4], [3, 4], { v: [3, 4] });
  const combined = combinePieces('s', [first, second]);
  t.deepEqual([...combined.time], [1, 2, 3, 4]);
  t.deepEqual(cells(combined, 'v'), [1, 2, 3, 4]);
});

test('sortOrder matches a stable reference sort, ties kept in arrival order', (t) => {
  for (const n of [0, 1, 2, 7, 1000, 5003]) {
    const time = Float64Array.from({ length: n }, () => Math.floor(Math.random() * (n / 4 + 1)));
    const seq = Float64Array.from({ length: n }, () => Math.floor(Math.random() * 3));
    const reference = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a]! - time[b]! || seq[a]! - seq[b]! || a - b);
    t.deepEqual([...sortOrder(time, seq, n)], reference, `n = ${n}`);
  }
});

test('rows taken from the middle of batches keep every value: int64 bit patterns, strings across spans', (t) => {
  // Ints whose bits read as float NaNs must come back exactly (slots are copied as words).
  const values: Cell[] = [-1n, 9223372036854775807n, 'a', 0.5, 'b', true, null, -9223372036854775808n, 'a', 7n];
  const all = rows('cpu', values.map((_, i) => 100 - i), values.map((_, i) => i), { v: values });
  const part = (from: number, to: number): SeriesColumns => ({
    series: 'cpu',
    count: to - from,
    time: all.time.slice(from, to),
    seq: all.seq.slice(from, to),
    columns: [columnFromValues('v', values.slice(from, to))],
  });
  // Three entries of one series in one batch, appended out of order: each is read back from
  // its own offset in the batch, with its own string table.
  const buffer = new SeriesMemory('cpu');
  append(buffer, part(7, 10), part(0, 3), part(3, 7));
  const read = snapshotOf(buffer);
  t.deepEqual(Array.from(read.time), values.map((_, i) => 100 - i).sort((a, b) => a - b));
  t.deepEqual(cells(read, 'v'), [...values].reverse());
});
