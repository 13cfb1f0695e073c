/**
 * `sluice export` writes a query's chunked answer as JSON lines, CSV or an Arrow IPC file, with
 * every digit of int64 values; the CSV imports back into the same points.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { tableFromIPC } from 'apache-arrow';
import { sluice } from '../helpers/cli.js';
import { createDb, query, querySeries, writeOk, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'exported';
const T0 = 1_400_000_000_000;
const A_POINTS = 1500;
const ALL = 'select * from /.*/ order asc';

let scratch: string;
let server: TestServer;
test.before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-export-'));
  server = await startServer();
  await createDb(server, DB);
  const a = Array.from({ length: A_POINTS }, (_, i) => `[${T0 + i}, ${i + 1}, ${i}.25, ${i === 7 ? '9223372036854775807' : -i}, "s,\\"${i}\\"", ${i % 2 === 0}]`);
  await writeOk(server, DB, `[{"name":"a","columns":["time","sequence_number","value","n","s","b"],"points":[${a.join(',')}]}]`);
  await writeOk(server, DB, [{ name: 'b', columns: ['time', 'sequence_number', 'value', 'extra'], points: [[T0, 1, 10, 'x'], [T0 + 1, 2, 11, null], [T0 + 2, 3, 12, 'z']] }]);
});
test.after.always(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function exportArgs(...more: string[]): string[] {
  return ['export', '--host', '127.0.0.1', '--port', String(server.port), '-d', DB, '-q', ALL, ...more];
}

test('json: one series object a line, as the server chunked them, int64 digits kept', async (t) => {
  const result = await sluice(exportArgs('--progress'));
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.deepEqual(lines.map((line) => (JSON.parse(line) as { name: string }).name).sort(), ['a', 'a', 'b']);
  // Chunk boundaries may move between two queries (a flush in between), the points may not.
  const exported = lines.map((line) => JSON.parse(line) as SeriesResult);
  for (const series of await querySeries(server, DB, ALL)) {
    const chunks = exported.filter((chunk) => chunk.name === series.name);
    t.true(chunks.every((chunk) => JSON.stringify(chunk.columns) === JSON.stringify(series.columns)));
    t.deepEqual(chunks.flatMap((chunk) => chunk.points), series.points);
  }
  t.true(lines.some((line) => line.includes(',9223372036854775807,')));
  t.regex(result.stderr, /exporting 1503 points/);
});

test('csv: a series column, then every column of the answer; it imports back into the same points', async (t) => {
  const file = path.join(scratch, 'answer.csv');
  const result = await sluice(exportArgs('-o', file));
  t.is(result.code, 0, result.stderr);
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  // Columns come in the order the answer first shows them; its series may come in any order.
  const header = lines[0]!.split(',').map((h) => h.replaceAll('"', ''));
  t.deepEqual(header.slice(0, 4), ['series', 'time', 'sequence_number', 'value']);
  t.deepEqual(header.slice(4).sort(), ['b', 'extra', 'n', 's']);
  t.is(lines.length, 1 + A_POINTS + 3);
  const row = (series: string, seq: number): Record<string, string> => {
    const line = lines.find((l) => l.startsWith(`"${series}",`) && l.split(',')[2] === String(seq))!;
    const cells = line.replace(/"s,""(\d+)"""/, 'S$1').split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i]!]));
  };
  t.deepEqual(row('a', 8), { series: '"a"', time: String(T0 + 7), sequence_number: '8', value: '7.25', n: '9223372036854775807', s: 'S7', b: 'false', extra: '' });
  t.deepEqual(row('b', 2), { series: '"b"', time: String(T0 + 1), sequence_number: '2', value: '11', n: '', s: '', b: '', extra: '' });

  await createDb(server, 'copy');
  const imported = await sluice(['import', file, '--host', '127.0.0.1', '--port', String(server.port), '-d', 'copy', '--no-progress']);
  t.is(imported.code, 0, imported.stderr);
  for (const q of ['select value, n, s, b from a order asc', 'select value, extra from b order asc']) {
    t.is((await query(server, 'copy', q)).text, (await query(server, DB, q)).text, q);
  }
});

test('arrow: an IPC file apache-arrow reads back, typed by what each column held', async (t) => {
  const file = path.join(scratch, 'answer.arrow');
  const result = await sluice(exportArgs('-o', file));
  t.is(result.code, 0, result.stderr);
  const table = tableFromIPC(await readFile(file));
  t.is(table.numRows, A_POINTS + 3);
  t.deepEqual(Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)])), {
    series: 'Utf8',
    time: 'Timestamp<MICROSECOND>',
    sequence_number: 'Int64',
    value: 'Float64',
    n: 'Int64',
    s: 'Utf8',
    b: 'Bool',
    extra: 'Utf8',
  });
  const rows = table.toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
  const row = (series: string, seq: bigint): Record<string, unknown> => rows.find((r) => r.series === series && r.sequence_number === seq)!;
  t.like(row('a', 8n), { value: 7.25, n: 9223372036854775807n, s: 's,"7"', b: false, extra: null });
  t.like(row('b', 2n), { value: 11, n: null, s: null, b: null, extra: null });
  // Times stay exact microseconds (apache-arrow shows them as milliseconds when read as rows).
  const times = table.getChild('time')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
  t.true(times.includes(BigInt(T0 + 7) * 1000n));
  t.is(new Set(times).size, A_POINTS);
});

test('a query the server refuses fails the export with its answer', async (t) => {
  const refused = await sluice(['export', '--host', '127.0.0.1', '--port', String(server.port), '-d', DB, '-q', 'select * from']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^sluice: the server answered 400: syntax error/);
});

test('a failed export leaves an existing output file as it was, and an unwritable path is a one-line error', async (t) => {
  // A folder of its own: other tests' exports into the scratch folder run meanwhile.
  const folder = await mkdtemp(path.join(scratch, 'failed-'));
  const file = path.join(folder, 'precious.json');
  await writeFile(file, 'precious\n');
  const refused = await sluice(exportArgs('-o', file).map((arg) => (arg === ALL ? 'selec * frm x' : arg)));
  t.is(refused.code, 1);
  t.is(await readFile(file, 'utf8'), 'precious\n');
  t.deepEqual(readdirSync(folder), ['precious.json']);
  const nowhere = await sluice(exportArgs('-o', path.join(scratch, 'no', 'such', 'dir.json')));
  t.is(nowhere.code, 1);
  t.regex(nowhere.stderr, /^sluice: cannot write .*dir\.json: ENOENT\n$/);
});

test('a series with a column named series or name exports to arrow and csv, and the csv imports back whole', async (t) => {
  await createDb(server, 'named');
  await writeOk(server, 'named', [{ name: 'users', columns: ['time', 'sequence_number', 'series', 'name', 'age'], points: [[T0, 1, 's4', 'alice', 30], [T0 + 1, 2, 's5', 'bob', 40]] }]);
  const args = ['export', '--host', '127.0.0.1', '--port', String(server.port), '-d', 'named', '-q', 'select * from users order asc'];
  const arrowFile = path.join(scratch, 'named.arrow');
  t.is((await sluice([...args, '-o', arrowFile])).code, 0);
  const table = tableFromIPC(await readFile(arrowFile));
  t.is(table.numRows, 2);
  t.deepEqual(table.schema.fields.map((f) => f.name), ['_series', 'time', 'sequence_number', 'series', 'name', 'age']);
  t.deepEqual([...table.getChild('_series')!], ['users', 'users']);
  t.deepEqual([...table.getChild('series')!], ['s4', 's5']);
  const csvFile = path.join(scratch, 'named.csv');
  t.is((await sluice([...args, '-o', csvFile])).code, 0);
  await createDb(server, 'named2');
  const imported = await sluice(['import', csvFile, '--host', '127.0.0.1', '--port', String(server.port), '-d', 'named2', '--no-progress']);
  t.is(imported.code, 0, imported.stderr);
  t.deepEqual(
    (await querySeries(server, 'named2', 'list series')).flatMap((s) => s.points.map((p) => p[1])),
    ['users'],
  );
  t.is((await query(server, 'named2', 'select name, age from users order asc')).text, (await query(server, 'named', 'select name, age from users order asc')).text);
});
