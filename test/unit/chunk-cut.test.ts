/**
 * A delete cuts time ranges out of memtable chunks on their packed arrays (chunk-cut.ts). Every
 * cut must keep exactly the rows that testing each row against the ranges keeps
 * (`withoutRanges`, the way deletes were applied before), with every value intact: int64 bit
 * patterns, strings, bools, nulls, constant tag columns and all-float columns.
 */
import test from 'ava';
import { deepEqualLarge } from '../helpers/large-equal.js';
import { columnFromValues, rowsOf } from '../helpers/series-rows.js';
import { constantStringColumn, hasSharedKinds, isConstantColumn, sharingFloatKinds, type Column, type SeriesColumns } from '../../src/storage/columns.js';
import { cutChunk, keptRowRuns } from '../../src/storage/chunk-cut.js';
import { chunkBytes, isPackedFloatColumn, packChunk, unpackChunk, type ChunkColumn, type MemoryChunk } from '../../src/storage/memory-chunk.js';
import { ownArrays, RowSlab } from '../../src/storage/row-slab.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { withoutRanges, type DeletedRange } from '../../src/storage/tombstones.js';
import { TINY_CHUNK_ROWS } from '../../src/storage/tiny-chunk.js';

function generator(seed: number): () => number {
  let state = seed;
  return () => ((state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
}

/**
 * `n` rows in (time, seq) order, times ascending with repeats; seconds apart (packed as steps)
 * or at odd microseconds over a span too wide for 32-bit steps (packed as floats).
 */
function sortedRows(random: () => number, n: number, wide: boolean): SeriesColumns {
  const time = new Float64Array(n);
  const seq = new Float64Array(n);
  let t = 1_700_000_000e6;
  for (let i = 0; i < n; i++) {
    if (i > 0 && random() < 0.8) t += wide ? 1 + Math.floor(random() * 50e6) : 1e6 * (1 + Math.floor(random() * 3));
    time[i] = t;
    seq[i] = i > 0 && time[i - 1] === t ? seq[i - 1]! + 10_000 : 10_000 * (1 + Math.floor(random() * 100));
  }
  const cells = (make: (i: number) => number | string | bigint | boolean | null) => Array.from({ length: n }, (_, i) => make(i));
  const columns = [
    sharingFloatKinds(columnFromValues('f', cells((i) => i * 0.5 - 7)), n),
    // Floats that are no short decimal: kept as they are, not packed.
    sharingFloatKinds(columnFromValues('thirds', cells((i) => (i + 1) / 3)), n),
    columnFromValues('mixed', cells((i) => [null, 1.25, -(2n ** 63n) + BigInt(i), 'text' + (i % 3), true, NaN][i % 6]!)),
    columnFromValues('int', cells((i) => (i % 7 === 0 ? null : BigInt(i) * 0x1_0000_0001n))),
    constantStringColumn('host', 'a', n),
  ];
  return { series: 'cpu', count: n, time, seq, columns };
}

/** One to three ranges: inside, across either end, outside, on row times exactly, or over everything. */
function someRanges(random: () => number, rows: SeriesColumns): DeletedRange[] {
  const first = rows.time[0]!;
  const last = rows.time[rows.count - 1]!;
  const at = () => rows.time[Math.floor(random() * rows.count)]!;
  const anywhere = () => first - 5e6 + random() * (last - first + 10e6);
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const kind = random();
    const a = kind < 0.5 ? at() : anywhere();
    const b = kind < 0.25 ? at() : kind < 0.9 ? anywhere() : last + 1;
    return kind > 0.97 ? { startUs: first - 1, endUs: last + 1 } : { startUs: Math.min(a, b), endUs: Math.max(a, b) };
  });
}

test('a cut keeps exactly the rows outside the ranges, every value intact, whatever the ranges', (t) => {
  const random = generator(7);
  let cutsMade = 0;
  for (let round = 0; round < 400; round++) {
    const rows = sortedRows(random, 1 + Math.floor(random() * 600), round % 3 === 0);
    const chunk = packChunk(rows, round % 2 === 0 ? ownArrays : new RowSlab());
    const ranges = someRanges(random, rows);
    const expected = withoutRanges(unpackChunk(chunk), ranges);
    const cut = cutChunk(chunk, ranges, new RowSlab(), TINY_CHUNK_ROWS);
    if (expected.count === rows.count) {
      t.is(cut, chunk, 'untouched: the same chunk');
      continue;
    }
    if (expected.count === 0) {
      t.is(cut, null, 'emptied');
      continue;
    }
    cutsMade++;
    const got = unpackChunk(cut!);
    deepEqualLarge(t, rowsOf(got), rowsOf(expected), `round ${round}`);
    t.is(cut!.count, expected.count);
    t.is(cut!.minTime, expected.time[0]);
    t.is(cut!.maxTime, expected.time[expected.count - 1]);
  }
  t.true(cutsMade > 200, `${cutsMade} cuts made`);
});

test('constant tag columns and all-float columns stay shared after a cut, so the memtable counts less', (t) => {
  const rows = sortedRows(generator(3), 1000, false);
  const chunk = packChunk(rows, ownArrays);
  const cut = cutChunk(chunk, [{ startUs: rows.time[100]!, endUs: rows.time[900]! }], ownArrays, TINY_CHUNK_ROWS) as MemoryChunk & { columns: ChunkColumn[] };
  t.true(cut.count < 300);
  const byName = new Map(cut.columns.map((column) => [column.name, column]));
  t.true(isConstantColumn(byName.get('host') as Column));
  // Halves from -7 are decimals of one digit: packed (2 bytes a row), and packed after the cut.
  t.true(isPackedFloatColumn(byName.get('f')!));
  t.true(hasSharedKinds(byName.get('thirds') as Column));
  t.false(hasSharedKinds(byName.get('mixed') as Column));
  t.true(chunkBytes(cut) < chunkBytes(chunk) / 2);
  const loaded = new Map(unpackChunk(cut).columns.map((column) => [column.name, column]));
  t.true(hasSharedKinds(loaded.get('f')!));
});

test('kept runs are the complement of the ranges, merged where they overlap', (t) => {
  const time = Float64Array.from([10, 20, 20, 30, 40, 50, 60]);
  t.deepEqual(keptRowRuns(time, 7, [{ startUs: 20, endUs: 40 }]), [0, 1, 4, 7]);
  t.deepEqual(keptRowRuns(time, 7, [{ startUs: 45, endUs: 70 }, { startUs: 0, endUs: 11 }]), [1, 5]);
  t.deepEqual(keptRowRuns(time, 7, [{ startUs: 15, endUs: 35 }, { startUs: 25, endUs: 45 }]), [0, 1, 5, 7]);
  t.deepEqual(keptRowRuns(time, 7, [{ startUs: 0, endUs: 100 }]), []);
  t.is(keptRowRuns(time, 7, [{ startUs: 21, endUs: 30 }]), undefined, 'no row in the range');
  t.is(keptRowRuns(time, 7, [{ startUs: 61, endUs: 100 }]), undefined);
});

test('a memtable delete across many chunks drops emptied chunks and keeps count and bytes right', (t) => {
  const memory = new SeriesMemory('cpu');
  const rows = sortedRows(generator(11), 3000, false);
  const slab = new RowSlab();
  for (let at = 0; at < rows.count; at += 500) {
    const piece = { ...rows, count: Math.min(500, rows.count - at), time: rows.time.subarray(at), seq: rows.seq.subarray(at), columns: rows.columns.map((c) => ({ ...c, kinds: c.kinds.subarray(at), floats: c.floats.subarray(at), ints: c.ints.subarray(at) })) };
    memory.appendChunk(packChunk(piece, slab));
  }
  t.is(memory.pieces().length, 6);
  const bytesBefore = memory.sealedBytes;
  // The whole second chunk and parts of the first and third.
  const ranges = [{ startUs: rows.time[450]!, endUs: rows.time[1100]! }];
  const change = memory.deleteRanges(ranges);
  const expected = withoutRanges(rows, ranges);
  t.is(memory.count, expected.count);
  t.is(memory.pieces().length, 5);
  t.is(memory.sealedBytes, bytesBefore + change);
  t.true(change < 0);
  const left = memory.pieces().flatMap((piece) => rowsOf(piece.load()));
  deepEqualLarge(t, left, rowsOf(expected));
});
