import test from 'ava';
import { call, col, columnNames, float, int, run, type Query, type Table } from './engine-query.js';

/* Every worked example of functions.md §5, computed by the engine over column blocks. */

const cpu: Table = { time: [0, 10, 20, 65, 70], columns: { value: [1, 3, 2, 8, 4] } };

const examples: [number, Query, string[], unknown[][]][] = [
  [1, { select: [call('count', col('value'))], width: 60 }, ['time', 'count'], [[60, 2], [0, 3]]],
  [2, { select: [call('mean', col('value')), call('sum', col('value'))], width: 60 }, ['time', 'mean', 'sum'], [[60, 6, 12], [0, 2, 6]]],
  [3, { select: [call('min', col('value')), call('max', col('value'))], width: 60, order: 'asc' }, ['time', 'min', 'max'], [[0, 1, 3], [60, 4, 8]]],
  [
    4,
    {
      select: [
        call('median', col('value')),
        { ...call('percentile', col('value'), int(90)), alias: 'p90' },
        { ...call('percentile', col('value'), int(10)), alias: 'p10' },
      ],
      width: 60,
      order: 'asc',
    },
    ['time', 'median', 'p90', 'p10'],
    [[0, 2, 3, 0], [60, 4, 8, 0]],
  ],
  [5, { select: [call('stddev', col('value'))], width: 60 }, ['time', 'stddev'], [[60, 2], [0, 0.8164965809277263]]],
  [6, { select: [call('derivative', col('value')), call('difference', col('value'))], width: 60 }, ['time', 'derivative', 'difference'], [[60, -0.8, 4], [0, 0.05, -1]]],
  [7, { select: [call('derivative', col('value')), call('difference', col('value'))], width: 60, order: 'asc' }, ['time', 'derivative', 'difference'], [[0, 0.05, 1], [60, -0.8, -4]]],
  [8, { select: [call('first', col('value')), call('last', col('value'))] }, ['time', 'first', 'last'], [[0, 4, 1]]],
  [9, { select: [call('first', col('value')), call('last', col('value'))], order: 'asc' }, ['time', 'first', 'last'], [[0, 1, 4]]],
  [10, { select: [call('top', col('value'), int(2))] }, ['time', 'top'], [[0, 8], [0, 4]]],
  [11, { select: [call('bottom', col('value'), int(2))] }, ['time', 'bottom'], [[0, 1], [0, 2]]],
  [12, { select: [call('histogram', col('value'), int(5))] }, ['time', 'bucket_start', 'count'], [[0, 0, 4], [0, 5, 1]]],
  [13, { select: [call('count', { kind: 'call', name: 'distinct', args: [col('value')] })] }, ['time', 'count'], [[0, 5]]],
  [14, { select: [call('distinct', col('value'))] }, ['time', 'distinct'], [[0, 4], [0, 8], [0, 2], [0, 3], [0, 1]]],
  [15, { select: [call('count', col('value'))], width: 60, range: [0, 170], fill: 0n }, ['time', 'count'], [[120, 0n], [60, 2], [0, 3]]],
  [16, { select: [call('count', col('value'))], width: 60, range: [0, 170], fill: null }, ['time', 'count'], [[120, null], [60, 2], [0, 3]]],
  [17, { select: [call('count', col('value'))], width: 30, fill: -1n }, ['time', 'count'], [[60, 2], [30, -1n], [0, 3]]],
  [
    18,
    { select: [{ ...call('top', col('value'), int(2)), alias: 't' }, { ...call('bottom', col('value'), int(2)), alias: 'b' }] },
    ['time', 't', 'b'],
    [[0, 8, 1], [0, 4, 1], [0, 8, 2], [0, 4, 2]],
  ],
  [
    19,
    { select: [call('count', col('value')), { ...call('histogram', col('value'), float(5)), alias: 'h' }] },
    ['time', 'count', 'h_bucket_start', 'h_count'],
    [[0, 5, 0, 4], [0, 5, 5, 1]],
  ],
];

for (const [number, query, columns, points] of examples) {
  test(`worked example #${number}`, (t) => {
    t.deepEqual(columnNames(query.select), columns);
    t.deepEqual(run(cpu, query), points);
  });
  test(`worked example #${number} is the same over one-row blocks`, (t) => {
    t.deepEqual(run(cpu, { ...query, blockRows: 1 }), points);
  });
}

test('group by a column: groups ascending inside each bucket', (t) => {
  const req: Table = { time: [0, 5, 30, 62], columns: { host: ['a', 'b', 'a', 'b'], ms: [10, 20, 30, 40] } };
  const query: Query = { select: [call('mean', col('ms'))], width: 60, groupBy: ['host'] };
  t.deepEqual(run(req, query), [[60, 40, 'b'], [0, 20, 'a'], [0, 20, 'b']]);
});

test('the null group sorts last', (t) => {
  const table: Table = { time: [1, 2, 3], columns: { column0: ['one', 'one', 'one'], column1: [null, 1n, null] } };
  t.deepEqual(run(table, { select: [call('count', col('column0'))], groupBy: ['column1'] }), [[0, 1, 1n], [0, 2, null]]);
});

test('rows exist when any referenced column has a value', (t) => {
  const s: Table = { time: [1, 2], columns: { a: [1, null], b: [null, 5] } };
  t.deepEqual(run(s, { select: [call('mean', col('a')), call('count', col('b'))] }), [[0, 0.5, 2]]);
  t.deepEqual(run(s, { select: [call('count', col('b'))] }), [[0, 1]]);
});

test('mode lists every value sharing the highest count in order of first appearance', (t) => {
  const table: Table = { time: [5, 4, 3, 2, 1], columns: { v: [3, 2, 2, 1, 1] } };
  t.deepEqual(run(table, { select: [call('mode', col('v'))] }), [[0, 2], [0, 1]]);
});

test('aggregates over no rows produce no row', (t) => {
  t.deepEqual(run(cpu, { select: [call('count', col('value'))], range: [1000, 2000] }), []);
});

test('the derivative of one point is no row', (t) => {
  t.deepEqual(run(cpu, { select: [call('derivative', col('value'))], range: [-1, 5] }), []);
});

test('group by two columns splits rows by both exact values, across blocks', (t) => {
  const table: Table = {
    time: [1, 2, 3, 4, 5, 6],
    columns: { v: [1, 2, 3, 4, 5, 6], host: ['a', 'b', 'a', 'a', 'b', 'a'], dc: [1n, 1n, 2n, 1n, 1n, 1] },
  };
  const rows = run(table, { select: [call('sum', col('v'))], groupBy: ['host', 'dc'], blockRows: 4 });
  t.deepEqual(rows, [[0, 5, 'a', 1n], [0, 3, 'a', 2n], [0, 6, 'a', 1], [0, 7, 'b', 1n]]);
});

test('stddev stays accurate when the values are large against their spread', (t) => {
  const table: Table = { time: [1, 2, 3], columns: { v: [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3] } };
  const [[, stddev]] = run(table, { select: [call('stddev', col('v'))] }) as [[number, number]];
  t.true(Math.abs(stddev - Math.sqrt(2 / 3) / 10) < 1e-6, `got ${stddev}`);
});
