/**
 * `sluice import` loads files into a running server over HTTP in batches: 0.8 JSON series files,
 * CSV and line protocol, read back exactly by queries; an import killed midway resumes where its state file
 * says, without losing or repeating a point. Where a test must choose when and how each batch is
 * answered (out of order, held, 503), a plain HTTP listener stands in for the server.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { sluice, sluiceEntry, startCli } from '../helpers/cli.js';
import { createDb, query, querySeries, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

let scratch: string;
let server: TestServer;
test.before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-import-'));
  server = await startServer();
});
test.after.always(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const T0 = 1_400_000_000_000;

function target(db: string): string[] {
  return ['--host', '127.0.0.1', '--port', String(server.port), '--database', db, '--no-progress'];
}

async function newDb(name: string): Promise<string> {
  await createDb(server, name);
  return name;
}

async function count(db: string, series: string): Promise<number> {
  const [result] = await querySeries(server, db, `select count(value) from "${series}"`);
  return (result?.points[0]?.[1] as number | undefined) ?? 0;
}

test('a 0.8 JSON series file goes in batch by batch and reads back exactly, int64 digits included', async (t) => {
  const db = await newDb('json_import');
  const file = path.join(scratch, 'series.json');
  // Written by hand: JSON.stringify cannot hold the int64 literal.
  const objects = Array.from({ length: 12 }, (_, s) => {
    const points = Array.from({ length: 50 }, (_, i) => `[${T0 + i * 1000}, ${s * 1000 + i + 1}, ${s * 100 + i}.5, "h${i % 3}"]`);
    return `{"name": "cpu.${s % 4}", "columns": ["time", "sequence_number", "value", "host"], "points": [${points.join(', ')}]}`;
  });
  objects.push(`{"name": "big", "columns": ["time", "value"], "points": [[${T0}, 9223372036854775807]]}`);
  await writeFile(file, `[\n  ${objects.join(',\n  ')}\n]\n`);

  const result = await sluice(['import', file, ...target(db), '--batch-points', '120']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^imported 601 points in 5 requests; \d+ points\/s\n$/);
  t.false(existsSync(`${file}.sluice-import`), 'the state file goes once the import is complete');
  for (let s = 0; s < 4; s++) t.is(await count(db, `cpu.${s}`), 150);
  const [cpu1] = await querySeries(server, db, `select value, host from "cpu.1" where time < ${T0 + 2000}000u`);
  const rows = cpu1?.points.map((p) => [p[cpu1.columns.indexOf('value')], p[cpu1.columns.indexOf('host')]]);
  t.deepEqual(rows?.sort(), [[100.5, 'h0'], [101.5, 'h1'], [500.5, 'h0'], [501.5, 'h1'], [900.5, 'h0'], [901.5, 'h1']]);
  t.regex((await query(server, db, 'select value from big')).text, /,9223372036854775807\]\]/);
});

test('CSV rows become points: the header names the columns, --series or a series column the series', async (t) => {
  const db = await newDb('csv_import');
  const named = path.join(scratch, 'named.csv');
  await writeFile(named, ['time,value,host,up', `${T0},1.5,a,true`, `${T0 + 1000},2,"b,""c""",false`, `${T0 + 2000},,d,`, '2014-05-13T16:53:23Z,7,e,true', ''].join('\r\n'));
  const one = await sluice(['import', named, ...target(db), '--series', 'weather']);
  t.is(one.code, 0, one.stderr);
  const [weather] = await querySeries(server, db, 'select value, host, up from weather order asc');
  const columns = weather!.columns;
  t.deepEqual(
    weather!.points.map((p) => [p[0], p[columns.indexOf('value')], p[columns.indexOf('host')], p[columns.indexOf('up')]]),
    [
      [T0, 1.5, 'a', true],
      [T0 + 1000, 2, 'b,"c"', false],
      [T0 + 2000, null, 'd', null],
      [T0 + 3000, 7, 'e', true],
    ],
  );

  const perRow = path.join(scratch, 'per-row.csv');
  const rows = Array.from({ length: 30 }, (_, i) => `s${i % 3},${T0 + i},${i}`);
  await writeFile(perRow, `series,time,value\n${rows.join('\n')}\n`);
  const many = await sluice(['import', perRow, ...target(db), '--batch-points', '7', '--precision', 'ms']);
  t.is(many.code, 0, many.stderr);
  t.regex(many.stdout, /^imported 30 points in 5 requests/);
  for (const series of ['s0', 's1', 's2']) t.is(await count(db, series), 10);

  const nameless = path.join(scratch, 'nameless.csv');
  await writeFile(nameless, `time,value\n${T0},1\n`);
  const refused = await sluice(['import', nameless, ...target(db)]);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'sluice: the CSV has no name or series column: name its series with --series\n');
});

/** 400 series objects of 10 points, each point with its own sequence number. */
async function numberedSeriesFile(file: string): Promise<void> {
  const objects = Array.from({ length: 400 }, (_, s) => ({
    name: `m${s % 8}`,
    columns: ['time', 'sequence_number', 'value'],
    points: Array.from({ length: 10 }, (_, i) => [T0 + s * 10 + i, s * 10 + i + 1, s * 10 + i]),
  }));
  await writeFile(file, JSON.stringify(objects satisfies SeriesInput[]));
}

interface SavedState {
  readonly offset: number;
  readonly points: number;
}

/** Starts an import of 10-point batches, 4 in flight, and kills it with SIGKILL once it saved its state. */
async function importKilledMidway(file: string, db: string): Promise<{ seen: SavedState; left: SavedState }> {
  const stateFile = `${file}.sluice-import`;
  const running = startCli(sluiceEntry, ['import', file, ...target(db), '--batch-points', '10', '--concurrency', '4']);
  let seen: SavedState | undefined;
  while (seen === undefined) {
    try {
      seen = JSON.parse(await readFile(stateFile, 'utf8')) as SavedState;
    } catch {
      await sleep(5);
    }
  }
  running.child.kill('SIGKILL');
  await running.result;
  return { seen, left: JSON.parse(await readFile(stateFile, 'utf8')) as SavedState };
}

test('CSV: a quote inside an unquoted field is text and swallows no rows; a row with more fields than the header, or an unclosed quote, fails naming its bytes', async (t) => {
  const db = await newDb('csv_quotes');
  const stray = path.join(scratch, 'stray.csv');
  const header = 'time,series,v,s\n';
  await writeFile(stray, `${header}${T0 + 1},c,1,a"b\n${T0 + 2},c,2,x\n${T0 + 3},c,3,y"z\n${T0 + 4},c,4,w\n`);
  const imported = await sluice(['import', stray, ...target(db)]);
  t.is(imported.code, 0, imported.stderr);
  const [c] = await querySeries(server, db, 'select v, s from c order asc');
  t.deepEqual(c!.points.map((p) => p[c!.columns.indexOf('s')]), ['a"b', 'x', 'y"z', 'w']);

  const extra = path.join(scratch, 'extra.csv');
  await writeFile(extra, `${header}${T0 + 1},c,1,a\n${T0 + 2},c,2,b,EXTRA\n`);
  const tooMany = await sluice(['import', extra, ...target(db)]);
  t.is(tooMany.code, 1);
  const second = header.length + `${T0 + 1},c,1,a\n`.length;
  t.regex(tooMany.stderr, new RegExp(`the CSV row at bytes ${second}-\\d+ has 5 fields, and the header names 4 columns`));

  const unclosed = path.join(scratch, 'unclosed.csv');
  await writeFile(unclosed, `${header}${T0 + 1},c,1,a\n${T0 + 2},c,2,"open\n${T0 + 3},c,3,x\n`);
  const open = await sluice(['import', unclosed, ...target(db), '--restart']);
  t.is(open.code, 1);
  t.regex(open.stderr, new RegExp(`the CSV ends inside the quoted field of the row that starts at byte ${second}`));

  // Left open early in a long file, the quote is refused at 16 Mi characters, not read to the end in memory.
  const runaway = path.join(scratch, 'runaway.csv');
  await writeFile(runaway, `${header}${T0},c,1,"open\n${`${T0},c,2,${'x'.repeat(1000)}\n`.repeat(17_000)}`);
  const refused = await sluice(['import', runaway, ...target(db), '--restart']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`the CSV row that starts at byte ${header.length} runs past 16777216 characters inside a quoted field`));
});

test('a line-protocol file goes to POST /write in batches and reads back through 0.8 queries', async (t) => {
  const db = await newDb('line_import');
  const file = path.join(scratch, 'telegraf.lp');
  const lines = ['# telegraf sample', ''];
  for (let i = 0; i < 300; i++) lines.push(`cpu,cpu=cpu${i % 2},host=x usage_idle=${i}.5,ticks=${i}i ${1_400_000_000 + i}`);
  await writeFile(file, lines.join('\n') + '\n');
  const result = await sluice(['import', file, ...target(db), '--precision', 's', '--batch-points', '70']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^imported 300 points in 5 requests; /);
  for (const cpu of ['cpu0', 'cpu1']) {
    const [series] = await querySeries(server, db, `select count(ticks), sum(ticks) from "cpu,cpu=${cpu},host=x"`);
    const expected = Array.from({ length: 150 }, (_, k) => 2 * k + (cpu === 'cpu0' ? 0 : 1));
    t.deepEqual(series!.points[0]!.slice(1), [150, expected.reduce((a, b) => a + b, 0)], cpu);
  }
  const [first] = await querySeries(server, db, `select usage_idle, host from /^cpu,/ where time < ${1_400_000_001}s`, { time_precision: 's' });
  t.deepEqual(first!.points.map((p) => [p[0], p[first!.columns.indexOf('usage_idle')], p[first!.columns.indexOf('host')]]), [[1_400_000_000, 0.5, 'x']]);
});

test('an import killed midway resumes at its first unacknowledged batch: every point once, none lost', async (t) => {
  const db = await newDb('resumed');
  const file = path.join(scratch, 'resumed.json');
  await numberedSeriesFile(file);
  const stateFile = `${file}.sluice-import`;
  const { seen, left } = await importKilledMidway(file, db);
  t.true(left.points >= seen.points && left.points < 4000, `killed after ${left.points} points`);
  // Every batch on record is stored; beyond it, at most the 4 batches that were in flight.
  const stored = await querySeries(server, db, 'select count(value) from /^m\\d$/');
  const storedPoints = stored.reduce((sum, series) => sum + (series.points[0]![1] as number), 0);
  t.true(storedPoints >= left.points && storedPoints <= left.points + 4 * 10, `${storedPoints} stored, ${left.points} on record`);

  const resumed = await sluice(['import', file, ...target(db), '--batch-points', '10', '--concurrency', '4']);
  t.is(resumed.code, 0, resumed.stderr);
  t.is(resumed.stderr, `resuming at byte ${left.offset} of ${(await readFile(file)).length} (${left.points} points already imported)\n`);
  t.regex(resumed.stdout, new RegExp(`^imported 4000 points in 400 requests \\(${4000 - left.points} after resuming\\)`));
  t.false(existsSync(stateFile));
  for (let m = 0; m < 8; m++) t.is(await count(db, `m${m}`), 500);
  const [m3] = await querySeries(server, db, 'select value from m3 order asc');
  t.deepEqual(
    m3!.points.map((p) => p[2]),
    Array.from({ length: 50 }, (_, k) => Array.from({ length: 10 }, (_, i) => (3 + 8 * k) * 10 + i)).flat(),
  );
});

/** A plain HTTP listener that records each request body as it arrives and lets the test answer it. */
async function standIn(answer: (body: string, res: http.ServerResponse, arrivals: readonly string[]) => void): Promise<{ port: number; arrivals: string[] }> {
  const arrivals: string[] = [];
  const listener = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (part: string) => (body += part));
    req.on('end', () => {
      arrivals.push(body);
      answer(body, res, arrivals);
    });
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  standIns.push(listener);
  return { port: (listener.address() as AddressInfo).port, arrivals };
}
const standIns: http.Server[] = [];
test.after.always(() => {
  for (const listener of standIns) {
    listener.closeAllConnections();
    listener.close();
  }
});

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

async function lineFile(name: string, points: number): Promise<{ file: string; lines: string[] }> {
  const file = path.join(scratch, name);
  const lines = Array.from({ length: points }, (_, i) => `m v=${i} ${1_400_000_000 + i}`);
  await writeFile(file, lines.map((line) => `${line}\n`).join(''));
  return { file, lines };
}

function standInArgs(port: number): string[] {
  return ['--host', '127.0.0.1', '--port', String(port), '-d', 'db', '--no-progress', '--precision', 's', '--batch-points', '1'];
}

test('--concurrency batches are in flight at once; the state records only the prefix of which every batch was stored', async (t) => {
  const { file, lines } = await lineFile('window.lp', 8);
  const stateFile = `${file}.sluice-import`;
  // The second batch is never answered; every other one is, at once (and every one once the import resumes).
  let answerAll = false;
  const stuck = await standIn((body, res) => (answerAll || body !== lines[1]) && res.writeHead(204).end());
  const running = startCli(sluiceEntry, ['import', file, ...standInArgs(stuck.port), '--concurrency', '3']);
  await until('4 batches arrived', () => stuck.arrivals.length === 4);
  await until('the first batch is on record', () => existsSync(stateFile));
  await sleep(300);
  // Batch 1 freed a place for batch 4; batches 3 and 4 are stored, but not on record before batch 2 is.
  t.deepEqual([...stuck.arrivals].sort(), lines.slice(0, 4), 'batches in flight at once may arrive in any order');
  t.like(JSON.parse(await readFile(stateFile, 'utf8')), { offset: lines[0]!.length + 1, points: 1, batches: 1 });
  running.child.kill('SIGKILL');
  await running.result;

  // A resumed import goes to the same server: its offsets say what that server holds.
  answerAll = true;
  stuck.arrivals.length = 0;
  const resumed = await sluice(['import', file, ...standInArgs(stuck.port), '--concurrency', '3']);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stdout, /^imported 8 points in 8 requests \(7 after resuming\)/);
  t.deepEqual([...stuck.arrivals].sort(), lines.slice(1), 'sent again: the batch in flight and the 2 stored past the record');
});

test('line protocol larger than one read is sent byte for byte: lines across reads, CRLF, comments, blank and non-ASCII lines', async (t) => {
  const file = path.join(scratch, 'large.lp');
  const written: string[] = [];
  const points: string[] = [];
  for (let i = 0; i < 150_000; i++) {
    // Lines of varying length, so reads end inside lines at different places.
    const line = i % 1000 === 7 ? `é,host=ü${i} v=${i} ${i}` : `m,host=h${i % 13} v=${i}${'0'.repeat(i % 17)} ${i}`;
    if (i % 5000 === 1) written.push('# a comment', '', ' \t', '\u00a0');
    written.push(i % 3000 === 2 ? `${line}\r` : line);
    points.push(line);
  }
  await writeFile(file, written.join('\n'));
  const receiver = await standIn((_, res) => res.writeHead(204).end());
  const args = standInArgs(receiver.port).filter((arg) => arg !== '--batch-points' && arg !== '1');
  const result = await sluice(['import', file, ...args, '--batch-points', '20000']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^imported 150000 points in 8 requests/);
  const batches = Array.from({ length: 8 }, (_, b) => points.slice(b * 20_000, (b + 1) * 20_000).join('\n'));
  t.deepEqual([...receiver.arrivals].sort(), batches.sort());
});

test('a batch answered 503 goes again after Retry-After, once every earlier batch is stored and before any newer batch', async (t) => {
  const { file, lines } = await lineFile('retried.lp', 3);
  const events: string[] = [];
  const busy = await standIn((body, res, arrivals) => {
    events.push(`sent ${body}`);
    if (body === lines[0]) {
      // Stored only after batch 2's Retry-After has run out.
      setTimeout(() => {
        events.push(`stored ${body}`);
        res.writeHead(204).end();
      }, 1500);
    } else if (body === lines[1] && arrivals.filter((b) => b === body).length === 1) {
      res.writeHead(503, { 'retry-after': '1' }).end('busy');
    } else {
      res.writeHead(204).end();
    }
  });
  const result = await sluice(['import', file, ...standInArgs(busy.port), '--concurrency', '2']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^imported 3 points in 3 requests/);
  t.deepEqual(events.slice(0, 2).sort(), [`sent ${lines[0]}`, `sent ${lines[1]}`]);
  t.deepEqual(events.slice(2), [`stored ${lines[0]}`, `sent ${lines[1]}`, `sent ${lines[2]}`]);
});

test('a state file that no longer fits its input is refused; --restart imports the whole file again', async (t) => {
  const db = await newDb('restarted');
  const file = path.join(scratch, 'restarted.json');
  await numberedSeriesFile(file);
  const stateFile = `${file}.sluice-import`;
  await importKilledMidway(file, db);

  await utimes(file, new Date(), new Date(Date.now() + 60_000));
  const refused = await sluice(['import', file, ...target(db)]);
  t.is(refused.code, 1);
  t.is(refused.stderr, `sluice: ${stateFile} records an interrupted import, but the file changed since: use --restart to import the whole file again\n`);

  const restarted = await sluice(['import', file, ...target(db), '--restart']);
  t.is(restarted.code, 0, restarted.stderr);
  t.regex(restarted.stdout, /^imported 4000 points in 1 request;/);
  for (let m = 0; m < 8; m++) t.is(await count(db, `m${m}`), 500);
});

test('a batch the server refuses stops the import; the state keeps the offset after the last stored batch', async (t) => {
  const file = path.join(scratch, 'refused.json');
  const good = (name: string): string => `{"name":"${name}","columns":["time","value"],"points":[[${T0},1],[${T0 + 1},2]]}`;
  const bad = `{"name":"","columns":["time","value"],"points":[[${T0},1]]}`;
  await writeFile(file, `[${good('first')},${bad},${good('third')}]`);
  const firstEnd = good('first').length + 1;
  const refusedWith = async (concurrency: number): Promise<string> => {
    const db = await newDb(`refused_${concurrency}`);
    const result = await sluice(['import', file, ...target(db), '--batch-points', '1', '--concurrency', String(concurrency), '--restart']);
    t.is(result.code, 1);
    t.regex(result.stderr, new RegExp(`^sluice: the server answered 400: .*\\(bytes ${firstEnd}-${firstEnd + 1 + bad.length} of ${file}; a re-run resumes at byte ${firstEnd}\\)\\n$`));
    t.like(JSON.parse(await readFile(`${file}.sluice-import`, 'utf8')), { offset: firstEnd, points: 2, batches: 1 });
    t.is(await count(db, 'first'), 2);
    return db;
  };
  const db = await refusedWith(1);
  t.is((await query(server, db, 'select * from third')).status, 400, 'one batch at a time: nothing after the refused batch was sent');
  // With a window the batch after it was already in flight; the record still stops before the refused one.
  await refusedWith(3);
});

test('input that stops parsing ends the import with every stored batch on record, so a re-run stores nothing twice', async (t) => {
  const db = await newDb('unclosed');
  const file = path.join(scratch, 'unclosed.json');
  const objects = Array.from({ length: 40 }, (_, s) => `{"name":"u${s}","columns":["time","value"],"points":[${Array.from({ length: 50 }, (_, i) => `[${T0 + i},${i}]`).join(',')}]}`);
  // The closing bracket is missing: the reader fails at the very end, after every batch went out.
  await writeFile(file, `[${objects.join(',')}`);
  const args = ['import', file, ...target(db), '--batch-points', '100', '--concurrency', '4'];
  const failed = await sluice(args);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /not closed/);
  t.like(JSON.parse(await readFile(`${file}.sluice-import`, 'utf8')), { points: 2000, batches: 20 });
  const again = await sluice(args);
  t.is(again.code, 1);
  for (let s = 0; s < 40; s++) t.is(await count(db, `u${s}`), 50, `u${s}`);
});

test('an interrupted import resumes only against the same server with the same precision', async (t) => {
  const db = await newDb('same_target');
  const file = path.join(scratch, 'same-target.json');
  await numberedSeriesFile(file);
  await importKilledMidway(file, db);
  const stateFile = `${file}.sluice-import`;
  const otherPrecision = await sluice(['import', file, ...target(db), '--precision', 's']);
  t.is(otherPrecision.code, 1);
  t.is(otherPrecision.stderr, `sluice: ${stateFile} records an interrupted import, but it was an import into 127.0.0.1:${server.port} with precision the default: use --restart to import the whole file again\n`);
  const other = await startServer();
  await createDb(other, db);
  const otherServer = await sluice(['import', file, '--host', '127.0.0.1', '--port', String(other.port), '--database', db, '--no-progress']);
  t.is(otherServer.code, 1);
  t.regex(otherServer.stderr, new RegExp(`it was an import into 127.0.0.1:${server.port} with precision`));
});

test('--progress draws the bar on stderr even when it is not a terminal; stdout keeps only the summary', async (t) => {
  const db = await newDb('progress');
  const file = path.join(scratch, 'progress.csv');
  await writeFile(file, `time,value\n${T0},1\n${T0 + 1},2\n`);
  const args = ['import', file, '--host', '127.0.0.1', '--port', String(server.port), '-d', db, '--series', 'p'];
  const shown = await sluice([...args, '--progress']);
  t.is(shown.code, 0, shown.stderr);
  const size = (await readFile(file)).length;
  t.regex(shown.stderr, /^importing \|[█░]+\| \d+% \| \d+\/\d+ bytes \| 0 points/);
  t.regex(shown.stderr, new RegExp(`\nimporting \\|█+\\| 100% \\| ${size}/${size} bytes \\| 2 points`));
  t.regex(shown.stdout, /^imported 2 points in 1 request; \d+ points\/s\n$/);
  // Without a terminal the bar stays off unless asked for.
  const quiet = await sluice([...args, '--restart']);
  t.is(quiet.stderr, '');
});
