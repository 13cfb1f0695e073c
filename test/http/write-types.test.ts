/**
 * What a write stores and a query gives back (http-api.md §4.2–§4.6, §5.1): value types,
 * exact 64-bit integers, nulls, time precisions in both directions, server-assigned time and
 * sequence numbers, several series in one request.
 */
import test from 'ava';
import { column, createDb, query, querySeries, write, writeOk, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'types';
let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
});

test.after.always(cleanupServers);

async function only(q: string, params: Record<string, string> = {}): Promise<SeriesResult> {
  const result = await querySeries(server, DB, q, params);
  if (result.length !== 1) throw new Error(`expected one series for ${q}, got ${JSON.stringify(result)}`);
  return result[0]!;
}

/** Points without the sequence number, which the server assigns. */
function withoutSequence(series: SeriesResult): unknown[][] {
  const seq = series.columns.indexOf('sequence_number');
  return series.points.map((point) => point.filter((_, i) => i !== seq));
}

test.serial('float, int, string and bool values round-trip', async (t) => {
  await writeOk(
    server,
    DB,
    [
      {
        name: 'roundtrip',
        columns: ['time', 'f', 'i', 's', 'b'],
        points: [
          [1380000000, 1.5, 3, 'hello', true],
          [1380000010, -0.25, -7, '', false],
          [1380000020, 2.0, 0, 'üñí "quoted" \\ <&>', true],
        ],
      },
    ],
    { precision: 's' },
  );
  const series = await only('select * from roundtrip order asc', { time_precision: 's' });
  t.is(series.name, 'roundtrip');
  t.deepEqual(series.columns, ['time', 'sequence_number', 'f', 'i', 's', 'b']);
  t.deepEqual(withoutSequence(series), [
    [1380000000, 1.5, 3, 'hello', true],
    [1380000010, -0.25, -7, '', false],
    [1380000020, 2, 0, 'üñí "quoted" \\ <&>', true],
  ]);
});

test.serial('64-bit integers come back exactly', async (t) => {
  const body =
    '[{"name":"int64","columns":["time","v"],"points":[' +
    '[1380000000,9223372036854775807],[1380000001,-9223372036854775808],[1380000002,9007199254740993]]}]';
  const written = await write(server, DB, body, { precision: 's' });
  t.is(written.status, 200, written.text);

  const result = await query(server, DB, 'select v from int64 order asc', { time_precision: 's' });
  t.is(result.status, 200, result.text);
  // JSON.parse would round these to the nearest double, so read the digits from the text.
  const values = [...result.text.matchAll(/\[\s*(138000000\d)\s*,\s*\d+\s*,\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*\]/g)].map(
    (m) => [m[1], m[2]],
  );
  t.deepEqual(
    values,
    [
      ['1380000000', '9223372036854775807'],
      ['1380000001', '-9223372036854775808'],
      ['1380000002', '9007199254740993'],
    ],
    result.text,
  );
});

test.serial('a null value stores nothing; a point whose requested columns are all null is not returned', async (t) => {
  await writeOk(
    server,
    DB,
    [
      {
        name: 'nulls',
        columns: ['time', 'a', 'b'],
        points: [
          [1380000000, 1, null],
          [1380000010, null, 'x'],
        ],
      },
    ],
    { precision: 's' },
  );
  const a = await only('select a from nulls', { time_precision: 's' });
  t.deepEqual(a.columns, ['time', 'sequence_number', 'a']);
  t.deepEqual(withoutSequence(a), [[1380000000, 1]]);

  const b = await only('select b from nulls', { time_precision: 's' });
  t.deepEqual(withoutSequence(b), [[1380000010, 'x']]);

  const all = await only('select * from nulls order asc', { time_precision: 's' });
  t.deepEqual(all.columns, ['time', 'sequence_number', 'a', 'b']);
  t.deepEqual(withoutSequence(all), [
    [1380000000, 1, null],
    [1380000010, null, 'x'],
  ]);
});

const MICROS_PER: Record<string, number> = { s: 1_000_000, ms: 1_000, m: 1_000, u: 1 };

function inPrecision(micros: number, precision: string): number {
  return Math.trunc(micros / MICROS_PER[precision]!);
}

test.serial('each write precision (s, ms, m, u, default ms) is read back in each query precision', async (t) => {
  const cases: { series: string; precision: string | undefined; written: number; micros: number }[] = [
    { series: 'prec_s', precision: 's', written: 1380000000, micros: 1380000000_000000 },
    { series: 'prec_ms', precision: 'ms', written: 1380000000123, micros: 1380000000_123000 },
    { series: 'prec_m', precision: 'm', written: 1380000000123, micros: 1380000000_123000 },
    { series: 'prec_u', precision: 'u', written: 1380000000123456, micros: 1380000000_123456 },
    { series: 'prec_default', precision: undefined, written: 1380000000456, micros: 1380000000_456000 },
    { series: 'prec_fraction', precision: 's', written: 1382819388.9, micros: 1382819388_000000 },
  ];
  for (const c of cases) {
    await writeOk(server, DB, [{ name: c.series, columns: ['time', 'v'], points: [[c.written, 1]] }], {
      ...(c.precision === undefined ? {} : { precision: c.precision }),
    });
  }
  for (const c of cases) {
    for (const precision of ['s', 'ms', 'm', 'u']) {
      const series = await only(`select v from ${c.series}`, { time_precision: precision });
      t.deepEqual(column(series, 'time'), [inPrecision(c.micros, precision)], `${c.series} read as ${precision}`);
    }
    const byDefault = await only(`select v from ${c.series}`);
    t.deepEqual(column(byDefault, 'time'), [inPrecision(c.micros, 'ms')], `${c.series} read with default precision`);
  }
});

test.serial('negative times are stored and truncated toward zero when read', async (t) => {
  await writeOk(server, DB, [{ name: 'negative', columns: ['time', 'v'], points: [[-1500, 1]] }], { precision: 'u' });
  const series = await only('select v from negative', { time_precision: 'ms' });
  t.deepEqual(column(series, 'time'), [-1]);
  const micros = await only('select v from negative', { time_precision: 'u' });
  t.deepEqual(column(micros, 'time'), [-1500]);
});

test.serial('points without time share one server timestamp per request, close to now', async (t) => {
  const before = Date.now();
  await writeOk(server, DB, [
    { name: 'auto_a', columns: ['v'], points: [[1], [2]] },
    { name: 'auto_b', columns: ['v'], points: [[3]] },
  ]);
  const after = Date.now();
  const result = await querySeries(server, DB, 'select v from auto_a, auto_b', { time_precision: 'ms' });
  t.deepEqual(
    result.map((s) => s.name),
    ['auto_a', 'auto_b'],
  );
  const times = result.flatMap((s) => column(s, 'time') as number[]);
  t.is(times.length, 3);
  t.is(new Set(times).size, 1, `times differ: ${JSON.stringify(times)}`);
  t.true(times[0]! >= before - 5_000 && times[0]! <= after + 5_000, `server time ${times[0]} is not near ${before}..${after}`);

  const autoA = result[0]!;
  const seqs = column(autoA, 'sequence_number');
  t.is(new Set(seqs).size, 2, 'points sharing a timestamp need distinct sequence numbers');
});

test.serial('sequence numbers are unique, assigned in body order and grow with later writes', async (t) => {
  const first = [0, 1, 2, 3, 4].map((i) => [1380000000 + i, i]);
  const second = [5, 6, 7, 8, 9].map((i) => [1380000000 + i, i]);
  await writeOk(server, DB, [{ name: 'seqs', columns: ['time', 'v'], points: first }], { precision: 's' });
  await writeOk(server, DB, [{ name: 'seqs', columns: ['time', 'v'], points: second }], { precision: 's' });

  const series = await only('select v from seqs order asc', { time_precision: 's' });
  const seqs = column(series, 'sequence_number') as number[];
  t.is(seqs.length, 10);
  t.true(
    seqs.every((s) => Number.isInteger(s) && s > 0),
    JSON.stringify(seqs),
  );
  t.is(new Set(seqs).size, 10, JSON.stringify(seqs));
  for (let i = 1; i < seqs.length; i++) t.true(seqs[i]! > seqs[i - 1]!, `sequence numbers not increasing: ${JSON.stringify(seqs)}`);
});

test.serial('a client-supplied sequence_number is kept, and rewriting that point updates only the given columns', async (t) => {
  await writeOk(
    server,
    DB,
    [{ name: 'supplied', columns: ['time', 'sequence_number', 'a', 'b'], points: [[1380000000, 7, 1, 'x']] }],
    { precision: 's' },
  );
  await writeOk(server, DB, [{ name: 'supplied', columns: ['time', 'sequence_number', 'a'], points: [[1380000000, 7, 2]] }], {
    precision: 's',
  });
  const series = await only('select * from supplied', { time_precision: 's' });
  t.deepEqual(series.columns, ['time', 'sequence_number', 'a', 'b']);
  t.deepEqual(series.points, [[1380000000, 7, 2, 'x']]);
});

test.serial('several series in one request are each stored; a name may repeat with other columns', async (t) => {
  await writeOk(
    server,
    DB,
    [
      { name: 'multi.one', columns: ['time', 'v'], points: [[1380000000, 1]] },
      { name: 'multi.two', columns: ['time', 'v'], points: [[1380000000, 2], [1380000001, 3]] },
      { name: 'multi.one', columns: ['time', 'w'], points: [[1380000005, 'w']] },
    ],
    { precision: 's' },
  );
  const result = await querySeries(server, DB, 'select * from multi.one, multi.two order asc', { time_precision: 's' });
  t.deepEqual(
    result.map((s) => s.name),
    ['multi.one', 'multi.two'],
  );
  t.deepEqual(result[0]!.columns, ['time', 'sequence_number', 'v', 'w']);
  t.deepEqual(withoutSequence(result[0]!), [
    [1380000000, 1, null],
    [1380000005, null, 'w'],
  ]);
  t.deepEqual(withoutSequence(result[1]!), [
    [1380000000, 2],
    [1380000001, 3],
  ]);
});
