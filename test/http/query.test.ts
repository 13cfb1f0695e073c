/**
 * Raw `select` and `list series` over HTTP (query-language.md §1–§6, §9, §11): order, limit,
 * column lists, several series and regexes in `from`, time ranges, sequence_number
 * conditions, result sorting, and the syntax/semantic error bodies.
 */
import test from 'ava';
import { column, createDb, query, querySeries, writeOk, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'q';
/** cpu.a and cpu.b have points at T0, T0+10 s, …, T0+90 s (2013-09-24 05:20:00 UTC onwards). */
const T0 = 1380000000;
const CPU_TIMES = Array.from({ length: 10 }, (_, i) => T0 + 10 * i);
const HOUR_MS = 3_600_000;
let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  const now = Date.now();
  await writeOk(
    server,
    DB,
    [
      { name: 'cpu.a', columns: ['time', 'value', 'host'], points: CPU_TIMES.map((time, i) => [time, i, 'a']) },
      { name: 'cpu.b', columns: ['time', 'value', 'host'], points: CPU_TIMES.map((time, i) => [time, 100 + i, 'b']) },
      { name: 'mem', columns: ['time', 'free'], points: [[T0, 5]] },
      { name: 'Disk.X', columns: ['time', 'used'], points: [[T0, 1]] },
      { name: 'cols', columns: ['time', 'zeta', 'alpha', 'mid'], points: [[T0, 1, 2, 3]] },
      { name: 'neg', columns: ['time', 'v'], points: [[-1, 1], [0, 2]] },
    ],
    { precision: 's' },
  );
  await writeOk(server, DB, [{ name: 'cols', columns: ['time', 'beta'], points: [[T0 + 10, 4]] }], { precision: 's' });
  await writeOk(server, DB, [{ name: 'recent', columns: ['v'], points: [['now']] }]);
  await writeOk(
    server,
    DB,
    [
      { name: 'recent', columns: ['time', 'v'], points: [[now - 2 * HOUR_MS, 'two hours ago']] },
      { name: 'future', columns: ['time', 'v'], points: [[now - HOUR_MS, 'past'], [now + HOUR_MS, 'future']] },
    ],
    { precision: 'ms' },
  );
});

test.after.always(cleanupServers);

async function select(q: string): Promise<SeriesResult[]> {
  return querySeries(server, DB, q, { time_precision: 's' });
}

async function timesOf(q: string): Promise<number[]> {
  const result = await select(q);
  if (result.length > 1) throw new Error(`expected at most one series for ${q}, got ${result.map((s) => s.name).join(', ')}`);
  return result.length === 0 ? [] : (column(result[0]!, 'time') as number[]);
}

const descending = [...CPU_TIMES].reverse();

test.serial('points come back in descending time order by default and with order desc', async (t) => {
  t.deepEqual(await timesOf('select * from cpu.a'), descending);
  t.deepEqual(await timesOf('select * from cpu.a order desc'), descending);
});

test.serial('order asc returns ascending time', async (t) => {
  t.deepEqual(await timesOf('select * from cpu.a order asc'), CPU_TIMES);
  t.deepEqual(await timesOf('SELECT * FROM cpu.a ORDER ASC'), CPU_TIMES);
});

test.serial('limit caps the rows of each series; limit 0 means no limit', async (t) => {
  t.deepEqual(await timesOf('select * from cpu.a limit 3'), descending.slice(0, 3));
  t.deepEqual(await timesOf('select * from cpu.a limit 3 order asc'), CPU_TIMES.slice(0, 3));
  t.deepEqual(await timesOf('select * from cpu.a order asc limit 3'), CPU_TIMES.slice(0, 3));
  t.deepEqual(await timesOf('select * from cpu.a limit 0'), descending);
  const both = await select('select * from cpu.a, cpu.b limit 2');
  t.deepEqual(
    both.map((s) => [s.name, column(s, 'time')]),
    [
      ['cpu.a', descending.slice(0, 2)],
      ['cpu.b', descending.slice(0, 2)],
    ],
  );
});

test.serial('raw columns start with time, sequence_number; an explicit list comes back sorted', async (t) => {
  const [series] = await select('select value, host from cpu.a limit 1');
  t.deepEqual(series?.columns, ['time', 'sequence_number', 'host', 'value']);
  t.deepEqual(series?.points[0]?.slice(2), ['a', 9]);

  const [withTime] = await select('select time, value, value from cpu.a limit 1');
  t.deepEqual(withTime?.columns, ['time', 'sequence_number', 'value']);
});

test.serial('select * lists every column the series ever had, in order of first creation', async (t) => {
  const [series] = await select('select * from cols order asc');
  t.deepEqual(series?.columns, ['time', 'sequence_number', 'zeta', 'alpha', 'mid', 'beta']);
  t.deepEqual(
    series?.points.map((p) => [p[0], ...p.slice(2)]),
    [
      [T0, 1, 2, 3, null],
      [T0 + 10, null, null, null, 4],
    ],
  );
});

test.serial('from a, b returns one series object per series, sorted by name', async (t) => {
  for (const q of ['select * from cpu.a, cpu.b', 'select * from cpu.b, cpu.a', 'select * from mem, cpu.b, cpu.a']) {
    const result = await select(q);
    const names = result.map((s) => s.name);
    t.deepEqual(names, [...names].sort(), q);
    t.true(names.includes('cpu.a') && names.includes('cpu.b'), q);
    for (const s of result) t.is(s.points.length, s.name === 'mem' ? 1 : 10, `${q}: ${s.name}`);
  }
});

test.serial('from /regex/ selects every matching series (unanchored); /regex/i ignores case', async (t) => {
  const names = async (q: string): Promise<string[]> => (await select(q)).map((s) => s.name);
  t.deepEqual(await names('select * from /^cpu\\./'), ['cpu.a', 'cpu.b']);
  t.deepEqual(await names('select * from /pu\\.b/'), ['cpu.b']);
  t.deepEqual(await names('select * from /^disk/i'), ['Disk.X']);
  t.deepEqual(await names('select * from /^DISK/i'), ['Disk.X']);
  t.deepEqual(await names('select * from /disk|mem/i'), ['Disk.X', 'mem']);

  const noMatch = await query(server, DB, 'select * from /^disk/');
  t.is(noMatch.status, 400, 'a case-sensitive regex matching no series');
  t.true(noMatch.text.startsWith("Couldn't look up columns"), noMatch.text);
});

test.serial('time > now() - 1h selects recent points only', async (t) => {
  const recent = await select('select * from recent where time > now() - 1h');
  t.deepEqual(
    recent.flatMap((s) => column(s, 'v')),
    ['now'],
  );
  const compact = await select('select * from recent where time > now()-1h');
  t.deepEqual(
    compact.flatMap((s) => column(s, 'v')),
    ['now'],
  );
  const wider = await select('select * from recent where time > now() - 3h');
  t.deepEqual(
    wider.flatMap((s) => column(s, 'v')),
    ['now', 'two hours ago'],
  );
});

test.serial('the default end is now(): future points are excluded unless an end is given', async (t) => {
  const defaults = await select('select * from future');
  t.deepEqual(
    defaults.flatMap((s) => column(s, 'v')),
    ['past'],
  );
  const explicit = await select('select * from future where time < now() + 2h');
  t.deepEqual(
    explicit.flatMap((s) => column(s, 'v')),
    ['future', 'past'],
  );
});

test.serial('time > <n>s and its equivalents select [start, now) with an inclusive start', async (t) => {
  const expected = descending.slice(0, 5);
  t.deepEqual(await timesOf(`select * from cpu.a where time > ${T0 + 50}s`), expected);
  t.deepEqual(await timesOf(`select * from cpu.a where time > ${T0 + 50}000ms`), expected);
  t.deepEqual(await timesOf(`select * from cpu.a where time > ${T0 + 50}000000u`), expected);
  // A bare number in a time condition is nanoseconds (0.8 behaviour, not its documentation).
  t.deepEqual(await timesOf(`select * from cpu.a where time > ${T0 + 50}000000000`), expected);
  t.deepEqual(await timesOf(`select * from cpu.a where ${T0 + 50}s < time`), expected);
});

test.serial('a start and an end select the half-open range [start, end)', async (t) => {
  t.deepEqual(await timesOf(`select * from cpu.a where time > ${T0 + 20}s and time < ${T0 + 50}s order asc`), [
    T0 + 20,
    T0 + 30,
    T0 + 40,
  ]);
  t.deepEqual(await timesOf(`select * from cpu.a where time < ${T0 + 20}s order asc`), [T0, T0 + 10]);
  t.deepEqual(await timesOf('select * from neg where time > 0s'), [0]);
  t.deepEqual(await timesOf('select * from neg where time < 0s'), [-1]);
});

test.serial('date strings are UTC times', async (t) => {
  t.deepEqual(
    await timesOf("select * from cpu.a where time > '2013-09-24 05:20:30' and time < '2013-09-24 05:21:00' order asc"),
    [T0 + 30, T0 + 40, T0 + 50],
  );
  t.deepEqual(await timesOf("select * from cpu.a where time > '2013-09-24 5:21' order asc"), [T0 + 60, T0 + 70, T0 + 80, T0 + 90]);
  t.deepEqual(await timesOf("select * from cpu.a where time > '2013-09-24 05:21:00.5' order asc"), [T0 + 70, T0 + 80, T0 + 90]);
  t.deepEqual(await timesOf("select * from cpu.a where time > '2013-09-24' order asc"), CPU_TIMES);
  t.deepEqual(await timesOf("select * from cpu.a where time < '2013-09-24'"), []);
  t.deepEqual(await timesOf("select * from cpu.a where time > '2013-09-24' + 5h + 21m order asc"), CPU_TIMES.slice(6));
});

test.serial('other conditions filter points within the time range', async (t) => {
  t.deepEqual(await timesOf('select * from cpu.a where value > 5 order asc'), CPU_TIMES.slice(6));
  t.deepEqual(await timesOf(`select * from cpu.a where value < 3 and time > ${T0 + 10}s order asc`), [T0 + 10, T0 + 20]);
  t.deepEqual(await timesOf("select * from cpu.a where host = 'b'"), []);
});

test.serial('sequence_number works as a pseudo-column in where, and with time = selects one point', async (t) => {
  const [all] = await select('select * from cpu.a order asc');
  const seqs = column(all!, 'sequence_number') as number[];
  const pivot = seqs[4]!;
  const expected = all!.points.filter((p) => (p[1] as number) > pivot).map((p) => p[0]);
  t.deepEqual(await timesOf(`select * from cpu.a where sequence_number > ${pivot} order asc`), expected);

  const single = await select(`select * from cpu.a where time = ${T0 + 30}000000u and sequence_number = ${seqs[3]}`);
  t.deepEqual(
    single.flatMap((s) => s.points.map((p) => [p[0], p[1]])),
    [[T0 + 30, seqs[3]]],
  );
});

test.serial('list series names every series in byte order; list series /re/ filters them', async (t) => {
  const result = await querySeries(server, DB, 'list series');
  t.is(result.length, 1);
  const [listing] = result;
  t.is(listing?.name, 'list_series_result');
  t.deepEqual(listing?.columns, ['time', 'name']);
  const all = ['Disk.X', 'cols', 'cpu.a', 'cpu.b', 'future', 'mem', 'neg', 'recent'];
  t.deepEqual(listing?.points, all.map((name) => [0, name]));

  const [cpu] = await querySeries(server, DB, 'list series /cpu/');
  t.deepEqual(cpu?.points, [
    [0, 'cpu.a'],
    [0, 'cpu.b'],
  ]);
  const [insensitive] = await querySeries(server, DB, 'list series /^d/i');
  t.deepEqual(insensitive?.points, [[0, 'Disk.X']]);
});

test.serial('only the first of several statements runs', async (t) => {
  const result = await select('select * from cpu.a; select * from cpu.b');
  t.deepEqual(
    result.map((s) => s.name),
    ['cpu.a'],
  );
});

test.serial('a syntax error → 400 with message, query and caret lines', async (t) => {
  const result = await query(server, DB, 'select * fromm x');
  t.is(result.status, 400);
  t.deepEqual(result.text.split('\n'), [
    'syntax error, unexpected SIMPLE_NAME, expecting FROM',
    'select * fromm x',
    `${' '.repeat(9)}^^^^^`,
  ]);

  const messages: [string, string][] = [
    ['select * from', 'syntax error, unexpected $end, expecting TABLE_NAME or SIMPLE_NAME or REGEX_STRING or INSENSITIVE_REGEX_STRING'],
    ['select * from x limit', 'syntax error, unexpected $end, expecting INT_VALUE'],
    ['select * from x where', 'syntax error, unexpected $end'],
    ['select * from series', 'syntax error, unexpected SERIES, expecting TABLE_NAME or SIMPLE_NAME or REGEX_STRING or INSENSITIVE_REGEX_STRING'],
    ['select a + b as s from x', 'syntax error, unexpected AS, expecting FROM'],
    ['list series /', 'syntax error, unexpected UNKNOWN, expecting $end'],
    ['', 'syntax error, unexpected $end'],
  ];
  for (const [q, message] of messages) {
    const error = await query(server, DB, q);
    t.is(error.status, 400, q);
    const lines = error.text.split('\n');
    t.is(lines.length, 3, `${q}: ${JSON.stringify(error.text)}`);
    t.is(lines[0], message, q);
    t.is(lines[1], q, q);
    t.regex(lines[2] ?? '', /^ *\^*$/, q);
  }
});

test.serial("an unknown series → 400 Couldn't look up columns for series: <name>", async (t) => {
  const result = await query(server, DB, 'select * from nosuch');
  t.is(result.status, 400);
  t.is(result.text, "Couldn't look up columns for series: nosuch");
});

test.serial("an unknown column → 400 Field <c> doesn't exist in series <s>", async (t) => {
  const result = await query(server, DB, 'select nosuch from cpu.a');
  t.is(result.status, 400);
  t.is(result.text, "Field nosuch doesn't exist in series cpu.a");
});

test.serial('an invalid time precision in a query → 400 Unknown time precision', async (t) => {
  const result = await query(server, DB, 'select * from cpu.a', { time_precision: 'x' });
  t.is(result.status, 400);
  t.is(result.text, 'Unknown time precision x');
});

test.serial('a select matching no points returns []', async (t) => {
  const result = await query(server, DB, `select * from cpu.a where time > ${T0 + 1000}s and time < ${T0 + 2000}s`);
  t.is(result.status, 200, result.text);
  t.is(result.text.trim(), '[]');
});
