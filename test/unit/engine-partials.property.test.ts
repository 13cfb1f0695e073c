import test from 'ava';
import fc from 'fast-check';
import type { ScanOrder } from '../../src/engine/aggregates/aggregate.js';
import { bucketRuns, bucketStart } from '../../src/engine/buckets.js';
import { accumulate, combine, emptyPartial, finish, type BucketPartial } from '../../src/engine/partials.js';
import { createAggregate, type AggregateSpec } from '../../src/engine/registry.js';
import { gatherColumn, gatherTimes } from '../../src/engine/rows.js';
import type { Scalar } from '../../src/engine/values.js';
import { ValueKind, type Column } from '../../src/storage/columns.js';
import { columnOf } from './engine-query.js';
import { inScanOrder, reference, type Row } from './engine-reference.js';
import { deepEqualLarge } from '../helpers/large-equal.js';

/*
 * For random typed data cut into random blocks, with random rows filtered out and the
 * blocks' partials cloned (as between threads) and combined in random order, every
 * aggregate's finished buckets equal the row-by-row reference of engine-reference.ts.
 */

const SPECS: AggregateSpec[] = [
  { name: 'count' },
  { name: 'count', inner: { name: 'distinct' } },
  { name: 'count', inner: { name: 'top', n: 3 } },
  { name: 'distinct' },
  { name: 'sum' },
  { name: 'mean' },
  { name: 'min' },
  { name: 'max' },
  { name: 'median' },
  { name: 'percentile', p: 90 },
  { name: 'percentile', p: 33.3 },
  { name: 'mode' },
  { name: 'histogram', size: 2.5 },
  { name: 'histogram', size: 1 },
  { name: 'stddev' },
  { name: 'derivative' },
  { name: 'difference' },
  { name: 'first' },
  { name: 'last' },
  { name: 'top', n: 3 },
  { name: 'bottom', n: 2 },
];

/** Float sums depend on the order they are added in; these compare within rounding. */
const ROUNDED = new Set(['sum', 'mean', 'stddev']);

const value: fc.Arbitrary<Scalar> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -3, max: 3 }).map((n) => n + 0.5),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((x) => (x === 0 ? 0 : x)),
  fc.integer({ min: -4, max: 4 }).map(BigInt),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom('a', 'b', 'ab', 'é', ''),
  fc.boolean(),
);

const input = fc.record({
  rows: fc.array(fc.record({ time: fc.integer({ min: -40, max: 130 }), value, kept: fc.boolean() }), { maxLength: 60 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  combineOrder: fc.array(fc.nat(), { maxLength: 12 }),
  width: fc.constantFrom(null, 1e6, 7e6, 60e6),
  order: fc.constantFrom<ScanOrder>('asc', 'desc'),
  /** Every value a float, as in most real columns: decoded blocks then take the uniform-column paths. */
  floatsOnly: fc.boolean(),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

function rowsOf({ rows, floatsOnly }: Input): Input['rows'] {
  return floatsOnly ? rows.map((r) => ({ ...r, value: typeof r.value === 'number' ? r.value : r.time / 4 })) : rows;
}

/** A gathered column of floats only is marked uniform, as block-codec marks a decoded one. */
function markedUniform(column: Column): Column {
  if (column.kinds.length > 0 && column.kinds.every((kind) => kind === ValueKind.Float)) column.uniformKind = ValueKind.Float;
  return column;
}

/** Engine: one partial per block, cloned, combined pairwise in the order the input picks. */
function engine(spec: AggregateSpec, given: Input): unknown {
  const { cuts, combineOrder, width, order } = given;
  const rows = rowsOf(given);
  const aggregate = createAggregate(spec, order);
  const sorted = rows.map((r, seq) => ({ ...r, time: r.time * 1e6, seq })).sort((a, b) => a.time - b.time || a.seq - b.seq);
  const bounds = [...new Set([0, ...cuts.map((c) => c % (sorted.length + 1)), sorted.length])].sort((a, b) => a - b);
  let partials: BucketPartial<unknown>[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const block = sorted.slice(bounds[b], bounds[b + 1]);
    const selection = Uint32Array.from(block.flatMap((r, i) => (r.kept ? [i] : [])));
    const time = gatherTimes(Float64Array.from(block, (r) => r.time), selection);
    const seq = gatherTimes(Float64Array.from(block, (r) => r.seq), selection);
    const values = markedUniform(gatherColumn(columnOf('v', block.map((r) => r.value)), selection));
    const partial = emptyPartial<unknown>();
    accumulate(aggregate, partial, { count: selection.length, time, seq, values }, bucketRuns(time, 0, selection.length, width));
    partials.push(structuredClone(partial));
  }
  let pick = 0;
  while (partials.length > 1) {
    const i = (combineOrder[pick++ % Math.max(1, combineOrder.length)] ?? 0) % (partials.length - 1);
    const merged = combine(aggregate, partials[i]!, partials[i + 1]!);
    partials = [...partials.slice(0, i), merged, ...partials.slice(i + 2)];
  }
  return finish(aggregate, partials[0] ?? emptyPartial());
}

function oracle(spec: AggregateSpec, given: Input): unknown {
  const { width, order } = given;
  const rows = rowsOf(given);
  const kept: Row[] = rows.flatMap((r, seq) => (r.kept ? [{ time: r.time * 1e6, seq, value: r.value }] : []));
  const buckets = new Map<number, Row[]>();
  for (const row of kept) {
    const start = width === null ? 0 : bucketStart(row.time, width);
    buckets.set(start, [...(buckets.get(start) ?? []), row]);
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([start, bucket]) => ({ start, rows: reference(spec, inScanOrder(bucket, order)) }));
}

type Finished = { start: number; rows: Scalar[][] }[];

/**
 * `floor`: the smallest difference the aggregate can resolve at all. A standard deviation is
 * the root of a sum of squares, and squares of values below about 1e-162 fall under the
 * smallest double, so two exact methods can differ by the root of a few of those.
 */
function closeEnough(actual: Finished, expected: Finished, scale: number, floor: number): boolean {
  return (
    actual.length === expected.length &&
    actual.every((bucket, b) => {
      const want = expected[b]!;
      return (
        bucket.start === want.start &&
        bucket.rows.length === want.rows.length &&
        bucket.rows.every((row, r) => {
          const a = row[0] as number;
          const e = want.rows[r]![0] as number;
          return Math.abs(a - e) <= 1e-9 * scale + 1e-9 * Math.abs(e) + floor;
        })
      );
    })
  );
}

for (const spec of SPECS) {
  const label = spec.name === 'count' && spec.inner ? `count(${spec.inner.name})` : JSON.stringify(spec);
  test(`${label}: partials over random blocks, combined in any order, equal the row-by-row reference`, (t) => {
    fc.assert(
      fc.property(input, (data) => {
        const actual = engine(spec, data);
        const expected = oracle(spec, data);
        if (!ROUNDED.has(spec.name)) {
          deepEqualLarge(t, actual, expected);
          return;
        }
        // The values as aggregated: with floatsOnly, non-numbers became floats, and they count.
        const scale = rowsOf(data).reduce((m, r) => Math.max(m, typeof r.value === 'number' || typeof r.value === 'bigint' ? Math.abs(Number(r.value)) : 0), 0);
        const floor = spec.name === 'stddev' ? Math.sqrt(Number.MIN_VALUE * data.rows.length) : 0;
        t.true(closeEnough(actual as Finished, expected as Finished, scale * data.rows.length, floor), JSON.stringify({ actual, expected }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
      }),
      { numRuns: 1000 },
    );
  });
}
