import test from 'ava';
import fc from 'fast-check';
import { bucketRuns, bucketStart, bucketWidthMicros } from '../../src/engine/buckets.js';
import { allRows, restrictToTimeRange, rowsWithAnyValue } from '../../src/engine/selection.js';
import { gatherColumn } from '../../src/engine/rows.js';
import { scalarAt } from '../../src/engine/values.js';
import { lowerBound } from '../../src/storage/row-slice.js';
import { columnOf } from './engine-query.js';

/* Bucket assignment (query-language.md §9.4) and selection vectors. */

const second = 1e6;
const day = 86_400 * second;

test('buckets are aligned to the epoch for every unit', (t) => {
  const t0 = Date.UTC(2014, 0, 1, 13, 47, 12, 345) * 1000 + 678;
  t.is(bucketStart(t0, bucketWidthMicros(10n * 1000n)), t0 - 8);
  t.is(bucketStart(t0, bucketWidthMicros(1_000_000_000n)), Date.UTC(2014, 0, 1, 13, 47, 12) * 1000);
  t.is(bucketStart(t0, bucketWidthMicros(60_000_000_000n)), Date.UTC(2014, 0, 1, 13, 47) * 1000);
  t.is(bucketStart(t0, bucketWidthMicros(3_600_000_000_000n)), Date.UTC(2014, 0, 1, 13) * 1000);
  t.is(bucketStart(t0, bucketWidthMicros(86_400_000_000_000n)), Date.UTC(2014, 0, 1) * 1000);
  const week = bucketStart(t0, 7 * day);
  t.is(new Date(week / 1000).getUTCDay(), 4, 'weeks start on Thursdays');
  t.is(week, Date.UTC(2013, 11, 26) * 1000);
});

test('widths under a microsecond act as one microsecond', (t) => {
  t.is(bucketWidthMicros(10n), 1);
  t.is(bucketStart(1234, bucketWidthMicros(10n)), 1234);
});

test('negative times use a mathematical floor', (t) => {
  t.is(bucketStart(-1, 60 * second), -60 * second);
  t.is(bucketStart(-60 * second, 60 * second), -60 * second);
  t.is(bucketStart(-60 * second - 1, 60 * second), -120 * second);
});

test('the bucket of a time just below a boundary is exact for large times and odd widths', (t) => {
  for (const width of [7, 999_983, 3 * day]) {
    const boundary = Math.floor(2 ** 52 / width) * width;
    t.is(bucketStart(boundary - 1, width), boundary - width);
    t.is(bucketStart(boundary, width), boundary);
  }
});

test('a sorted block cuts into one run per bucket', (t) => {
  const time = Float64Array.from([-5, -1, 0, 3, 9, 10, 25, 29], (s) => s * second);
  const runs = bucketRuns(time, 1, 8, 10 * second);
  t.deepEqual([...runs.starts], [-10, 0, 10, 20].map((s) => s * second));
  t.deepEqual([...runs.ends], [2, 5, 6, 8]);
  t.is(runs.from, 1);
  const whole = bucketRuns(time, 0, 8, null);
  t.deepEqual([...whole.starts], [0]);
  t.deepEqual([...whole.ends], [8]);
  t.is(bucketRuns(time, 3, 3, second).count, 0);
});

/** Runs cut by looking at every row: what bucketRuns' guessed and galloping searches must equal. */
function runsRowByRow(time: Float64Array, from: number, to: number, width: number): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let row = from; row < to; row++) {
    const start = bucketStart(time[row]!, width);
    if (starts[starts.length - 1] === start) ends[ends.length - 1] = row + 1;
    else {
      starts.push(start);
      ends.push(row + 1);
    }
  }
  return { starts, ends };
}

/** Sorted times: evenly spaced (where the first guess lands), with jitter, gaps and repeats. */
const sortedTimes = fc
  .record({
    first: fc.integer({ min: -2e12, max: 2e12 }),
    step: fc.integer({ min: 0, max: 90 * second }),
    jumps: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * second }), fc.integer({ min: 0, max: 5 * day })), { minLength: 1, maxLength: 300 }),
    regular: fc.boolean(),
  })
  .map(({ first, step, jumps, regular }) => {
    let at = first;
    return Float64Array.from(jumps, (jump) => (at += regular ? step : jump));
  });

test('bucket runs equal a row-by-row cut, for even, uneven and repeated times', (t) => {
  fc.assert(
    fc.property(sortedTimes, fc.integer({ min: 1, max: 3 * day }), fc.nat(), (time, width, cut) => {
      const from = cut % time.length;
      const runs = bucketRuns(time, from, time.length, width);
      const expected = runsRowByRow(time, from, time.length, width);
      t.deepEqual({ starts: [...runs.starts], ends: [...runs.ends] }, expected);
      return runs.count === expected.starts.length;
    }),
    { numRuns: 2000 },
  );
});

test('a block bound is found at either end or by search, as a look at every row finds it', (t) => {
  fc.assert(
    fc.property(sortedTimes, fc.integer({ min: -3e12, max: 3e12 }), fc.nat(), (time, bound, pick) => {
      const probe = pick % 3 === 0 ? time[pick % time.length]! : bound;
      const expected = time.findIndex((x) => x >= probe);
      return lowerBound(time, time.length, probe) === (expected < 0 ? time.length : expected) && lowerBound(time, 0, probe) === 0;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('a time range keeps [start, end) by binary search', (t) => {
  const time = Float64Array.of(0, 10, 20, 30, 40);
  t.deepEqual([...restrictToTimeRange(time, allRows(5), 10, 40)], [1, 2, 3]);
  t.deepEqual([...restrictToTimeRange(time, Uint32Array.of(0, 2, 4), 10, 41)], [2, 4]);
});

test('rows exist only where some referenced column has a value', (t) => {
  const a = columnOf('a', [1, null, null, 'x']);
  const b = columnOf('b', [null, null, false, null]);
  t.deepEqual([...rowsWithAnyValue([a, b], allRows(4))], [0, 2, 3]);
});

test('gathering selected rows keeps every int64 bit pattern, even those that read as NaN', (t) => {
  const nanPattern = -0x0008_0000_0000_0001n;
  const column = columnOf('v', [1n, nanPattern, 'x', 2.5, 0x7ff8_0000_0000_0001n]);
  const gathered = gatherColumn(column, Uint32Array.of(1, 2, 4));
  t.deepEqual([gathered.ints[0], scalarAt(gathered, 1), gathered.ints[2]], [nanPattern, 'x', 0x7ff8_0000_0000_0001n]);
});
