import test from 'ava';
import { constantStringColumn, isConstantColumn, rowsBytes, type Column, type SeriesColumns } from '../../src/storage/columns.js';
import { combinePieces } from '../../src/storage/combine.js';
import { permute } from '../../src/storage/row-order.js';
import { SeriesMemory } from '../../src/storage/series-memory.js';
import { encodeWriteBatch, readWriteBatch } from '../../src/storage/write-batch.js';
import { scalarAt } from '../../src/engine/values.js';
import { columnFromValues } from '../helpers/series-rows.js';

type Cell = number | string | null;

/** One series entry of `count` points from `start` (10 apart), with `tags` giving each tag column's cells. */
function entry(start: number, count: number, tags: Record<string, Cell[] | Cell>): SeriesColumns {
  const time = Array.from({ length: count }, (_, i) => (start + i) * 10);
  const columns = [columnFromValues('value', time.map((x) => x / 100))];
  for (const [name, cells] of Object.entries(tags)) {
    columns.push(Array.isArray(cells) ? columnFromValues(name, cells) : tagColumn(name, cells as string, count));
  }
  return { series: 'cpu,host=a', count, time: Float64Array.from(time), seq: Float64Array.from(time, (x) => x + 1), columns };
}

/**
 * A tag's column as the line-protocol parser writes it: a constant column of the batch, or (as
 * version-2 batches of older builds' WALs hold it) one string referred to by every row.
 */
let tagsAsConstants = true;
function tagColumn(name: string, value: string, count: number): Column {
  if (tagsAsConstants) return constantStringColumn(name, value, count);
  const tag = columnFromValues(name, [value]);
  const column = columnFromValues(name, Array<null>(count).fill(null));
  column.kinds.fill(tag.kinds[0]!);
  column.strings.push(value);
  return column;
}

/** A memtable fed one batch per entry, as a shard's writes feed it, then sealed. */
function sealed(...entries: SeriesColumns[]): SeriesColumns[] {
  const memory = new SeriesMemory('cpu,host=a');
  for (const rows of entries) {
    const batch = readWriteBatch(encodeWriteBatch('db', [rows]));
    memory.append(batch.views, batch.entries[0]!, rows.count);
  }
  return memory.pieces().map((piece) => piece.load());
}

function cells(rows: SeriesColumns, name: string): Cell[] {
  const column = rows.columns.find((c) => c.name === name)!;
  return Array.from({ length: rows.count }, (_, i) => scalarAt(column, i) as Cell);
}

function column(rows: SeriesColumns, name: string): Column {
  return rows.columns.find((c) => c.name === name)!;
}

for (const constants of [true, false]) test(`a tag written with every point is sealed as a constant column: same cells, no bytes per row (tags ${constants ? 'as constant batch columns' : 'stored per row'})`, (t) => {
  tagsAsConstants = constants;
  const [chunk] = sealed(entry(0, 5, { host: 'a' }), entry(5, 5, { host: 'a' }), entry(10, 5, { host: 'a' }));
  t.is(chunk!.count, 15);
  t.true(isConstantColumn(column(chunk!, 'host')));
  t.false(isConstantColumn(column(chunk!, 'value')));
  t.deepEqual(cells(chunk!, 'host'), Array(15).fill('a'));
  t.deepEqual(cells(chunk!, 'value'), Array.from({ length: 15 }, (_, i) => (i * 10) / 100));
  // time, seq and the value column (all floats: its kinds are shared too): 24 bytes a row;
  // the tag only its one string.
  t.is(rowsBytes(chunk!), 15 * 24 + 16 + 2);
});

for (const constants of [true, false]) test(`a column that changes string, misses a row or starts late is stored row by row, with every cell right (tags ${constants ? 'as constant batch columns' : 'stored per row'})`, (t) => {
  tagsAsConstants = constants;
  const changed = sealed(entry(0, 3, { host: 'a' }), entry(3, 3, { host: 'b' }), entry(6, 2, { host: 'a' }))[0]!;
  t.false(isConstantColumn(column(changed, 'host')));
  t.deepEqual(cells(changed, 'host'), ['a', 'a', 'a', 'b', 'b', 'b', 'a', 'a']);

  const withNull = sealed(entry(0, 3, { host: 'a' }), entry(3, 3, { host: ['a', null, 'a'] }))[0]!;
  t.false(isConstantColumn(column(withNull, 'host')));
  t.deepEqual(cells(withNull, 'host'), ['a', 'a', 'a', 'a', null, 'a']);

  const late = sealed(entry(0, 2, {}), entry(2, 2, { host: 'a' }), entry(4, 2, { host: 'a' }))[0]!;
  t.false(isConstantColumn(column(late, 'host')));
  t.deepEqual(cells(late, 'host'), [null, null, 'a', 'a', 'a', 'a']);

  const gap = sealed(entry(0, 2, { host: 'a' }), entry(2, 2, {}), entry(4, 2, { host: 'a' }))[0]!;
  t.deepEqual(cells(gap, 'host'), ['a', 'a', null, null, 'a', 'a']);

  const early = sealed(entry(0, 2, { host: 'a' }), entry(2, 2, {}))[0]!;
  t.deepEqual(cells(early, 'host'), ['a', 'a', null, null]);

  const mixed = sealed(entry(0, 2, { host: 'a' }), entry(2, 2, { host: [1, 2] }))[0]!;
  t.deepEqual(cells(mixed, 'host'), ['a', 'a', 1, 2]);
  // time, seq, the float column (8: shared kinds) and the mixed one (9) a row, and one string.
  t.is(rowsBytes(mixed), 4 * 33 + 16 + 2);
});

for (const constants of [true, false]) test(`entries sealed out of order keep a constant tag, and so do sorts and merges of constant chunks (tags ${constants ? 'as constant batch columns' : 'stored per row'})`, (t) => {
  tagsAsConstants = constants;
  const [chunk] = sealed(entry(10, 5, { host: 'a' }), entry(0, 5, { host: 'a' }), entry(5, 5, { host: 'a' }));
  t.true(isConstantColumn(column(chunk!, 'host')));
  t.deepEqual(Array.from(chunk!.time), Array.from({ length: 15 }, (_, i) => i * 10));

  const reversed = permute(chunk!, Uint32Array.from({ length: 15 }, (_, i) => 14 - i));
  t.true(isConstantColumn(column(reversed, 'host')));
  t.deepEqual(cells(reversed, 'host'), Array(15).fill('a'));

  const later = sealed(entry(15, 5, { host: 'a' }))[0]!;
  const merged = combinePieces('cpu,host=a', [chunk!, later]);
  t.is(merged.count, 20);
  t.true(isConstantColumn(column(merged, 'host')));
  t.deepEqual(cells(merged, 'host'), Array(20).fill('a'));

  const other = sealed(entry(15, 5, { host: 'b' }))[0]!;
  const both = combinePieces('cpu,host=a', [chunk!, other]);
  t.false(isConstantColumn(column(both, 'host')));
  t.deepEqual(cells(both, 'host'), [...Array(15).fill('a'), ...Array(5).fill('b')]);

  const without = sealed(entry(15, 5, {}))[0]!;
  const partly = combinePieces('cpu,host=a', [chunk!, without]);
  t.false(isConstantColumn(column(partly, 'host')));
  t.deepEqual(cells(partly, 'host'), [...Array(15).fill('a'), ...Array(5).fill(null)]);
});

for (const constants of [true, false]) test(`constant columns of many sizes share memory that no chunk can change (tags ${constants ? 'as constant batch columns' : 'stored per row'})`, (t) => {
  tagsAsConstants = constants;
  const small = sealed(entry(0, 4, { host: 'x' }))[0]!;
  // Bigger than any constant column made so far: the shared arrays grow, older columns keep theirs.
  const big = sealed(entry(100, 50_000, { host: 'y' }))[0]!;
  t.true(isConstantColumn(column(small, 'host')));
  t.true(isConstantColumn(column(big, 'host')));
  t.deepEqual(cells(small, 'host'), ['x', 'x', 'x', 'x']);
  t.is(scalarAt(column(big, 'host'), 49_999), 'y');
  t.is(column(small, 'host').kinds.length, 4);
});
