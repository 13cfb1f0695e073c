import test from 'ava';
import type { ScanOrder } from '../../src/engine/aggregates/aggregate.js';
import { finishSeriesPartial } from '../../src/engine/series-partial.js';
import { RunsWriter, runsIn, type RowShaping } from '../../src/query/aggregate-rows.js';
import type { TimePrecision } from '../../src/time-precision.js';
import { call, col, float, partialOf, type Query, type Table } from './engine-query.js';

/*
 * RunsWriter.encodeCells writes a series' rows straight from its partial when every aggregate
 * finishes to one cell; its runs must be byte for byte what the general path (finish the
 * partial into bucket outputs, then encode them) writes, and it must decline what it cannot write.
 */

const TABLE: Table = {
  time: Array.from({ length: 2600 }, (_, i) => 1_700_000_000 + i * 7),
  columns: {
    v: Array.from({ length: 2600 }, (_, i) => (i % 13 === 0 ? null : i % 5 === 0 ? BigInt(i) : (i * 37) % 101 / 4)),
    host: Array.from({ length: 2600 }, (_, i) => (i % 2 === 0 ? 'a' : 'b')),
  },
};

const SHAPING: RowShaping = { limit: 0, fill: undefined, precision: 's', rowIndent: null };

function texts(writer: RunsWriter, spans: ReturnType<RunsWriter['encode']>): { text: string; rows: number }[] {
  return runsIn(writer.finish(), spans).map(({ bytes, rows }) => ({ text: Buffer.from(bytes).toString(), rows }));
}

function both(query: Query, shaping: RowShaping): { cells: { text: string; rows: number }[] | undefined; general: { text: string; rows: number }[] } {
  const order: ScanOrder = query.order ?? 'desc';
  const widthUs = query.width === undefined ? null : query.width * 1e6;
  const { aggregates, partial } = partialOf(TABLE, query);
  const direct = new RunsWriter();
  const spans = direct.encodeCells(partial, aggregates, order, widthUs, shaping);
  const cells = spans === undefined ? undefined : texts(direct, spans);
  const general = new RunsWriter();
  return { cells, general: texts(general, general.encode(finishSeriesPartial(aggregates, partial), aggregates, order, widthUs, shaping)) };
}

const SELECTS = [
  [call('count', col('v'))],
  [call('mean', col('v')), call('max', col('v')), call('min', col('v'))],
  [call('sum', col('v')), call('first', col('v')), call('last', col('host'))],
];

test('rows written from the partial match the general path, in both orders, with limits and every precision', (t) => {
  for (const select of SELECTS) {
    for (const order of ['asc', 'desc'] as const) {
      for (const width of [undefined, 60, 3600]) {
        for (const [limit, precision] of [[0, 's'], [3, 'ms'], [1500, 'u']] as [number, TimePrecision][]) {
          const query: Query = { select, order, blockRows: 700, ...(width === undefined ? {} : { width }) };
          const { cells, general } = both(query, { ...SHAPING, limit, precision });
          t.not(cells, undefined);
          t.deepEqual(cells, general, JSON.stringify({ select: select.map((c) => c.name), order, width, limit, precision }));
        }
      }
    }
  }
});

test('series it cannot write from cells are left to the general path', (t) => {
  const counted: Query = { select: [call('count', col('v'))], width: 60 };
  t.is(both({ ...counted, groupBy: ['host'] }, SHAPING).cells, undefined, 'group by a column');
  t.is(both(counted, { ...SHAPING, fill: { value: 0 } }).cells, undefined, 'fill');
  t.is(both(counted, { ...SHAPING, rowIndent: '        ' }).cells, undefined, 'pretty');
  t.is(both({ ...counted, select: [call('count', col('v')), call('percentile', col('v'), float(90))] }, SHAPING).cells, undefined, 'percentile');
  t.is(both({ ...counted, select: [call('distinct', col('v'))] }, SHAPING).cells, undefined, 'distinct');
});
