import test from 'ava';
import fc from 'fast-check';
import { BLOCK_ROWS } from '../../src/storage/block-codec.js';
import type { SeriesColumns } from '../../src/storage/columns.js';
import { combinePieces } from '../../src/storage/combine.js';
import { lowerBound, sliceRows } from '../../src/storage/row-slice.js';
import { seriesBlocks, type Piece } from '../../src/storage/series-blocks.js';
import { tombstonedPiece, withoutRanges } from '../../src/storage/tombstones.js';
import { rowsOf, seriesOf, type Value } from '../helpers/series-rows.js';

interface PointSpec {
  readonly time: number;
  readonly seq: number;
  readonly values: Record<string, Value>;
}

/** Rows in the given order (not sorted), with the given sequence numbers. */
function rowsFrom(points: readonly PointSpec[]): SeriesColumns {
  const rows = seriesOf(
    'cpu',
    points.map((p) => ({ time: p.time, values: p.values })),
  );
  rows.seq.set(points.map((p) => p.seq));
  return rows;
}

/** A piece over `rows` that counts its loads. */
function pieceOf(rows: SeriesColumns, loads: { count: number } = { count: 0 }): Piece {
  let minTime = Infinity;
  let maxTime = -Infinity;
  for (let i = 0; i < rows.count; i++) {
    minTime = Math.min(minTime, rows.time[i]!);
    maxTime = Math.max(maxTime, rows.time[i]!);
  }
  return {
    minTime,
    maxTime,
    count: rows.count,
    load: () => {
      loads.count++;
      return rows;
    },
  };
}

/** Every point, nulls left out: blocks need not carry a column their rows never use. */
function pointsOf(blocks: readonly SeriesColumns[]): unknown[] {
  return blocks.flatMap((block) =>
    (rowsOf(block) as { time: number; seq: number; values: Record<string, unknown> }[]).map((row) => ({
      time: row.time,
      seq: row.seq,
      values: Object.fromEntries(Object.entries(row.values).filter(([, v]) => v !== null)),
    })),
  );
}

/** `count` sorted rows 10 apart from `start`, one float column. */
function regular(start: number, count: number): SeriesColumns {
  return rowsFrom(Array.from({ length: count }, (_, i) => ({ time: start + 10 * i, seq: 1, values: { v: i / 4 } })));
}

const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.boolean(),
  fc.string({ maxLength: 3 }),
);
const point: fc.Arbitrary<PointSpec> = fc.record({
  time: fc.integer({ min: 0, max: 40 }),
  seq: fc.integer({ min: 1, max: 3 }),
  values: fc.record({ a: value, b: value, c: value }, { requiredKeys: [] }),
});

test('blocks in either order concatenate to combinePieces of everything, restricted to the range', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.array(point, { minLength: 0, maxLength: 12 }), { maxLength: 8 }),
      fc.integer({ min: -5, max: 45 }),
      fc.integer({ min: 0, max: 50 }),
      fc.integer({ min: 1, max: 5 }),
      (specs, startUs, span, maxRows) => {
        const pieces = specs.map(rowsFrom);
        const endUs = startUs + span;
        const all = combinePieces('cpu', pieces);
        const expected = pointsOf([sliceRows(all, lowerBound(all.time, all.count, startUs), lowerBound(all.time, all.count, endUs))]);

        const ascending = [...seriesBlocks(pieces.map((p) => pieceOf(p)), startUs, endUs, 'asc', maxRows)];
        const descending = [...seriesBlocks(pieces.map((p) => pieceOf(p)), startUs, endUs, 'desc', maxRows)];
        for (const block of [...ascending, ...descending]) {
          if (block.count < 1 || block.count > maxRows) return false;
        }
        t.deepEqual(pointsOf(ascending), expected);
        t.deepEqual(pointsOf(descending.reverse()), expected);
        return true;
      },
    ),
    { numRuns: 500 },
  );
});

test('pieces outside the range are never loaded, and stopping early loads nothing more', (t) => {
  const loads = { count: 0 };
  const pieces = [0, 1000, 2000, 3000].map((start) => pieceOf(regular(start, 50), loads));

  const inRange = [...seriesBlocks(pieces, 1000, 2000, 'asc')];
  t.is(loads.count, 1);
  t.deepEqual([inRange[0]!.time[0], inRange[0]!.time[inRange[0]!.count - 1]], [1000, 1490]);

  loads.count = 0;
  const newest = seriesBlocks(pieces, 0, 10_000, 'desc').next();
  t.is(loads.count, 1);
  t.is(newest.value!.time[newest.value!.count - 1], 3490);

  loads.count = 0;
  for (const block of seriesBlocks(pieces, 0, 10_000, 'asc')) {
    t.is(block.time[0], 0);
    break;
  }
  t.is(loads.count, 1);
});

test('deleted rows never come out, and a piece whose rows in the range are all deleted is not loaded', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.array(point, { minLength: 0, maxLength: 12 }), { maxLength: 6 }),
      fc.array(fc.record({ startUs: fc.integer({ min: -2, max: 42 }), span: fc.integer({ min: 0, max: 20 }) }), { maxLength: 3 }),
      fc.integer({ min: -5, max: 45 }),
      fc.integer({ min: 0, max: 50 }),
      (specs, deletes, startUs, span) => {
        const ranges = deletes.map((d) => ({ startUs: d.startUs, endUs: d.startUs + d.span }));
        const endUs = startUs + span;
        const all = withoutRanges(combinePieces('cpu', specs.map(rowsFrom)), ranges);
        const expected = pointsOf([sliceRows(all, lowerBound(all.time, all.count, startUs), lowerBound(all.time, all.count, endUs))]);
        const got = [...seriesBlocks(specs.map((spec) => tombstonedPiece(pieceOf(rowsFrom(spec)), ranges)), startUs, endUs, 'asc', 4)];
        t.deepEqual(pointsOf(got), expected);
        return true;
      },
    ),
    { numRuns: 500 },
  );
  const loads = { count: 0 };
  // Rows at 1000..1490: the hour [1200, 1400) deleted, then [1000, 1200) too.
  const piece = pieceOf(regular(1000, 50), loads);
  t.deepEqual(pointsOf([...seriesBlocks([tombstonedPiece(piece, [{ startUs: 1200, endUs: 1400 }])], 1200, 1400, 'asc')]), []);
  t.is(loads.count, 0, 'every row in the range deleted: not loaded');
  const twoDeletes = tombstonedPiece(piece, [{ startUs: 1200, endUs: 1400 }, { startUs: 1000, endUs: 1200 }]);
  t.deepEqual(pointsOf([...seriesBlocks([twoDeletes], 0, 1400, 'asc')]), []);
  t.is(loads.count, 0, 'the range covered by two deletes together');
  t.is([...seriesBlocks([twoDeletes], 0, 1500, 'asc')].reduce((rows, block) => rows + block.count, 0), 10);
  t.is(loads.count, 1, 'rows left in the range: loaded');
});

test('a sorted piece that overlaps nothing is yielded as views over its own arrays', (t) => {
  const rows = regular(0, 2 * BLOCK_ROWS + 3);
  const blocks = [...seriesBlocks([pieceOf(rows), pieceOf(regular(1e9, 5))], 15, 1e12, 'asc')];
  t.deepEqual(
    blocks.map((b) => b.count),
    [BLOCK_ROWS, BLOCK_ROWS, 1, 5],
  );
  t.is(blocks[0]!.time.buffer, rows.time.buffer);
  t.is(blocks[0]!.columns[0]!.floats.buffer, rows.columns[0]!.floats.buffer);
  t.is(blocks[0]!.time[0], 20);
});

test('a newer overlapping piece wins per column, and only the overlapping group is merged', (t) => {
  const older = rowsFrom([
    { time: 10, seq: 1, values: { a: 1, b: 'old' } },
    { time: 20, seq: 1, values: { a: 2, b: 'old' } },
  ]);
  const newer = rowsFrom([{ time: 20, seq: 1, values: { a: 9, b: null } }]);
  const apart = regular(100, 3);
  const blocks = [...seriesBlocks([pieceOf(older), pieceOf(apart), pieceOf(newer)], 0, 1000, 'desc')];
  t.is(blocks[0]!.time.buffer, apart.time.buffer);
  const merged = rowsFrom([
    { time: 10, seq: 1, values: { a: 1, b: 'old' } },
    { time: 20, seq: 1, values: { a: 9, b: 'old' } },
  ]);
  t.deepEqual(pointsOf([blocks[1]!]), pointsOf([merged]));
});
