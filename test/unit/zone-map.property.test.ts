import test from 'ava';
import fc from 'fast-check';
import { bucketRuns } from '../../src/engine/buckets.js';
import { accumulate, emptyPartial, finish } from '../../src/engine/partials.js';
import { createAggregate } from '../../src/engine/registry.js';
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { mapZones, timeZonesOf, zoneMapOf } from '../../src/storage/zone-map.js';
import { deepEqualLarge } from '../helpers/large-equal.js';

/*
 * A cached block's zone maps change how min and max are found, never what they answer: for
 * random float blocks (regular and ragged times, repeated times, negative and far-future
 * times), every `group by time` width and random row ranges, min and max over the mapped
 * block equal min and max over a copy of it that has no map.
 */

const SECOND = 1e6;

const block = fc
  .record({
    start: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }).map((s) => s * SECOND), fc.constant(2 ** 52 - 1e12), fc.constant(1_704_000_000 * SECOND)),
    step: fc.constantFrom(1, 10, 60).map((s) => s * SECOND),
    jitter: fc.boolean(),
    count: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 1500 }), fc.integer({ min: 200, max: 1500 })),
    seed: fc.integer(),
    // A NaN somewhere in one block of five.
    nanAt: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.nat(), weight: 1 }),
  })
  .map(({ start, step, jitter, count, seed, nanAt }) => {
    let state = seed;
    const next = (): number => ((state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    const rows: SeriesColumns = { series: 's', count, time: new Float64Array(count), seq: new Float64Array(count), columns: [allocateColumn('v', count)] };
    const column = rows.columns[0]!;
    let t = start;
    for (let i = 0; i < count; i++) {
      rows.time[i] = t;
      rows.seq[i] = i;
      column.kinds[i] = ValueKind.Float;
      column.floats[i] = next() < 0.05 ? [Infinity, -Infinity, 0, -0][i % 4]! : (next() - 0.5) * 1e6;
      // Ragged steps (some repeated times, some gaps) or a regular series.
      t += jitter ? Math.floor(next() * 3) * step : step;
    }
    if (nanAt !== undefined && count > 0) column.floats[nanAt % count] = NaN;
    column.uniformKind = ValueKind.Float;
    return rows;
  });

const query = fc.record({
  width: fc.constantFrom(null, 1, 10, 60, 300, 420, 3600, 86400).map((s) => (s === null ? null : s * SECOND)),
  ranges: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
});

/** The block with fresh arrays: no map is found for them. */
function unmapped(rows: SeriesColumns): SeriesColumns {
  const [column] = rows.columns;
  const copy = allocateColumn('v', rows.count);
  copy.kinds.set(column!.kinds);
  copy.floats.set(column!.floats);
  copy.uniformKind = ValueKind.Float;
  return { ...rows, time: rows.time.slice(), seq: rows.seq.slice(), columns: [copy] };
}

function bucketsOf(name: 'min' | 'max', rows: SeriesColumns, width: number | null): unknown {
  const aggregate = createAggregate({ name }, 'asc');
  const partial = emptyPartial<unknown>();
  const values = rows.columns[0]!;
  accumulate(aggregate, partial, { count: rows.count, time: rows.time, seq: rows.seq, values }, bucketRuns(rows.time, 0, rows.count, width));
  return finish(aggregate, partial);
}

function rangeOf(name: 'min' | 'max', rows: SeriesColumns, from: number, to: number): unknown {
  const aggregate = createAggregate({ name }, 'asc');
  const state = aggregate.empty();
  aggregate.update(state, { count: rows.count, time: rows.time, seq: rows.seq, values: rows.columns[0]! }, from, to);
  return aggregate.finish(state);
}

test('min and max through zone maps answer what they answer without them', (t) => {
  let mapped = 0;
  fc.assert(
    fc.property(block, query, (rows, { width, ranges }) => {
      const plain = unmapped(rows);
      mapZones(rows);
      if (zoneMapOf(rows.columns[0]!.floats)) mapped++;
      for (const name of ['min', 'max'] as const) {
        deepEqualLarge(t, bucketsOf(name, rows, width), bucketsOf(name, plain, width));
        for (const [a, b] of ranges) {
          const from = a % (rows.count + 1);
          const to = from + (b % (rows.count - from + 1));
          deepEqualLarge(t, rangeOf(name, rows, from, to), rangeOf(name, plain, from, to));
        }
      }
    }),
    { numRuns: 300 },
  );
  // The maps must have been used, or this test would prove nothing.
  t.true(mapped > 100, `only ${mapped} blocks got a map`);
});

test('a block is cut at round times, and a column with a NaN gets no map', (t) => {
  const count = 1024;
  const rows: SeriesColumns = { series: 's', count, time: new Float64Array(count), seq: new Float64Array(count), columns: [allocateColumn('a', count), allocateColumn('b', count)] };
  for (let i = 0; i < count; i++) {
    rows.time[i] = (1_704_000_005 + 10 * i) * SECOND;
    for (const column of rows.columns) {
      column.kinds[i] = ValueKind.Float;
      column.floats[i] = i;
    }
  }
  rows.columns[1]!.floats[500] = NaN;
  for (const column of rows.columns) column.uniformKind = ValueKind.Float;
  t.true(mapZones(rows) > 0);
  const zones = timeZonesOf(rows.time)!;
  // 10-s rows: the shortest zone holding 16 rows on average is 5 minutes (30 rows).
  t.is(zones.span, 300 * SECOND);
  for (let z = 0; z < zones.starts.length; z++) {
    t.is(zones.starts[z]! % zones.span, 0);
    t.true(rows.time[zones.edges[z]!]! >= zones.starts[z]! && rows.time[zones.edges[z]!]! < zones.starts[z]! + zones.span);
  }
  t.is(zones.edges[zones.edges.length - 1], count);
  t.is(zoneMapOf(rows.columns[0]!.floats)?.max[1], zones.edges[2]! - 1);
  t.is(zoneMapOf(rows.columns[1]!.floats), undefined);
  // A second admission of the same block builds nothing more.
  t.is(mapZones(rows), 0);
});
