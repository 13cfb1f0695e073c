import test from 'ava';
import { QueryError } from '../../src/errors.js';
import { cartesian, resolveFill, shapeRows } from '../../src/engine/fill.js';
import { call, col, float, int, run, type Table } from './engine-query.js';

/* fill, limit and order over finished buckets (functions.md §1.3–§2, query-language.md §5.1.4–5.1.5). */

const cpu: Table = { time: [0, 10, 20, 65, 70], columns: { value: [1, 3, 2, 8, 4] } };
const count = [call('count', col('value'))];

test('fill covers the whole where range in ascending order too', (t) => {
  t.deepEqual(run(cpu, { select: count, width: 60, range: [-60, 240], fill: 0n, order: 'asc' }), [
    [-60, 0n],
    [0, 3],
    [60, 2],
    [120, 0n],
    [180, 0n],
  ]);
});

test('a bucket starting exactly at the end of the range is not filled', (t) => {
  t.deepEqual(run(cpu, { select: count, width: 60, range: [0, 180], fill: 0n }), [[120, 0n], [60, 2], [0, 3]]);
});

test('fill accepts float values', (t) => {
  t.deepEqual(run(cpu, { select: count, width: 30, fill: 1.5 }), [[60, 2], [30, 1.5], [0, 3]]);
});

test('fill applies the project rule value to every function, histogram as (null, v)', (t) => {
  const select = [
    call('sum', col('value')),
    call('max', col('value')),
    call('stddev', col('value')),
    call('first', col('value')),
    call('histogram', col('value'), int(10)),
  ];
  t.deepEqual(run(cpu, { select, width: 30, fill: -1n, order: 'asc' }), [
    [0, 6, 3, 0.8164965809277263, 1, 0, 3],
    [30, -1n, -1n, -1n, -1n, null, -1n],
    [60, 12, 8, 2, 8, 0, 2],
  ]);
});

test('every group seen in the series appears in every filled bucket, in group order', (t) => {
  const req: Table = { time: [0, 5, 62, 200], columns: { host: ['b', 'a', 'b', 'c'], ms: [10, 20, 40, 50] } };
  t.deepEqual(run(req, { select: [call('max', col('ms'))], width: 60, groupBy: ['host'], fill: null, order: 'asc' }), [
    [0, 20, 'a'],
    [0, 10, 'b'],
    [0, null, 'c'],
    [60, null, 'a'],
    [60, 40, 'b'],
    [60, null, 'c'],
    [120, null, 'a'],
    [120, null, 'b'],
    [120, null, 'c'],
    [180, null, 'a'],
    [180, null, 'b'],
    [180, 50, 'c'],
  ]);
});

test('a series without rows produces nothing, even with fill and a range', (t) => {
  t.deepEqual(run(cpu, { select: count, width: 60, range: [1000, 2000], fill: 0n }), []);
});

test('limit caps output rows, after aggregation and fill', (t) => {
  t.deepEqual(run(cpu, { select: count, width: 30, fill: 0n, limit: 2 }), [[60, 2], [30, 0n]]);
  t.deepEqual(run(cpu, { select: [call('distinct', col('value'))], limit: 3 }), [[0, 4], [0, 8], [0, 2]]);
  t.deepEqual(run(cpu, { select: count, width: 30, limit: 0 }), [[60, 2], [0, 3]]);
});

test('groups order false < true < ints < floats < strings < null inside a bucket', (t) => {
  const mixed: Table = {
    time: [1, 2, 3, 4, 5, 6, 7, 8],
    columns: { v: [1, 1, 1, 1, 1, 1, 1, 1], g: ['b', 2.5, null, 10n, true, 'a', false, 3n] },
  };
  const groups = run(mixed, { select: [call('count', col('v'))], groupBy: ['g'] }).map((row) => row[2]);
  t.deepEqual(groups, [false, true, 3n, 10n, 2.5, 'a', 'b', null]);
});

test('int 1 and float 1.0 are different groups', (t) => {
  const table: Table = { time: [1, 2, 3], columns: { v: [5, 6, 7], g: [1n, 1, 1n] } };
  t.deepEqual(run(table, { select: [call('sum', col('v'))], groupBy: ['g'] }), [[0, 12, 1n], [0, 6, 1]]);
});

test('a group where one aggregate yields nothing yields no row', (t) => {
  const table: Table = { time: [1, 2], columns: { v: ['x', 'y'] } };
  t.deepEqual(run(table, { select: [call('count', col('v')), call('stddev', col('v'))] }), []);
});

test('the cartesian product varies the first aggregate fastest', (t) => {
  t.deepEqual([...cartesian([[[1], [2]], [['a'], ['b']]])], [[1, 'a'], [2, 'a'], [1, 'b'], [2, 'b']]);
  t.deepEqual([...cartesian([[[1]], []])], []);
});

test('fill values: ints, floats and null; anything else is a 400', (t) => {
  t.is(resolveFill(int(-1)), -1n);
  t.is(resolveFill(float(0.5)), 0.5);
  t.is(resolveFill(col('null')), null);
  t.throws(() => resolveFill(col('none')), { instanceOf: QueryError, message: 'Unsupported fill value none' });
});

test('rows are produced lazily, so a huge filled range costs only what is read', (t) => {
  const rows = shapeRows([{ start: 0, groups: [{ group: [], outputs: [[[1]]] }] }], {
    order: 'asc',
    limit: 0,
    fill: { value: 0, width: 1, range: { start: 0, end: 1e15 }, widths: [1] },
  });
  const firstThree = [rows.next().value, rows.next().value, rows.next().value];
  t.deepEqual(firstThree, [[0, 1], [1, 0], [2, 0]]);
});
