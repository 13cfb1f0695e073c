import test from 'ava';
import { summarizeBlock } from '../../src/storage/block-header.js';
import { seriesOf, T0 } from '../helpers/series-rows.js';

test('the header spans the rows: first and last time, count, and the largest sequence number anywhere', (t) => {
  const rows = seriesOf('cpu', [
    { time: T0, values: { v: 1 } },
    { time: T0 + 5, values: { v: 2 } },
  ]);
  rows.seq.set([90, 3]);
  const summary = summarizeBlock(rows);
  t.deepEqual([summary.minTime, summary.maxTime, summary.count, summary.maxSeq], [T0, T0 + 5, 2, 90]);
});

test('statistics cover float and int columns, and no column whose values a header cannot stand for', (t) => {
  const rows = seriesOf('cpu', [
    { time: T0, values: { f: 0.5, i: -(2n ** 63n), b: true, s: 'a', nan: NaN, inf: 1, none: null } },
    { time: T0 + 1, values: { f: 2, i: 3n, b: false, s: 'b', nan: 1, inf: Infinity, none: null } },
    { time: T0 + 2, values: { f: null, i: null, b: null, s: null, nan: null, inf: null, none: null } },
  ]);
  t.deepEqual(summarizeBlock(rows).stats, [
    { name: 'f', count: 2, sum: 2.5, min: 0.5, max: 2 },
    { name: 'i', count: 2, sum: -(2 ** 63) + 3, min: -(2 ** 63), max: 3 },
  ]);
});
