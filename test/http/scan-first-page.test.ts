/**
 * A raw select opens each shard's scan and takes its first page in one message to the shard
 * (coordinator.ts, shard-worker.ts openScanWithPage). Proven here over HTTP: answers of one
 * page and of several, whole and chunked, from one series that lives on one shard of four and
 * from every series, with each series' rows split between segment files and the memtable, come
 * back exactly as written; a first page's own failure still reaches the client.
 */
import test from 'ava';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createDb, query, querySeries, writeOk, type SeriesInput } from '../helpers/client.js';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import { deepEqualLarge } from '../helpers/large-equal.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'pages';
const START_S = 1_600_000_000;
/** More than a scan page (20,000 rows), so a whole-series answer takes several. */
const LONG_POINTS = 45_000;
const SHORT_SERIES = 12;
const SHORT_POINTS = 30;

test.after.always(cleanupServers);

interface Answer {
  readonly name: string;
  readonly columns: string[];
  readonly points: unknown[][];
}

const valueOf = (series: number, i: number): number => series * 1000 + i / 4;

/** Points [from, to) of series `index`: one every 10 s, values exact in binary. */
function points(index: number, from: number, to: number): unknown[][] {
  return Array.from({ length: to - from }, (_, k) => [START_S + (from + k) * 10, valueOf(index, from + k)]);
}

function seriesBody(from: number, to: number, shortFrom: number, shortTo: number): SeriesInput[] {
  return [
    { name: 'long', columns: ['time', 'value'], points: points(0, from, to) },
    ...Array.from({ length: SHORT_SERIES }, (_, s) => ({ name: `short${s}`, columns: ['time', 'value'], points: points(s + 1, shortFrom, shortTo) })),
  ];
}

/** Four shards; the first part of every series flushed into segments by a restart, the rest in the memtable. */
async function splitServer(): Promise<TestServer> {
  const first = await startServer({ args: ['--shards', '4'] });
  await createDb(first, DB);
  await writeOk(first, DB, seriesBody(0, LONG_POINTS / 2, 0, SHORT_POINTS / 2), { precision: 's' });
  await first.stop();
  const server = await startServer({ dataDir: first.dataDir, args: ['--shards', '4'] });
  await writeOk(server, DB, seriesBody(LONG_POINTS / 2, LONG_POINTS, SHORT_POINTS / 2, SHORT_POINTS), { precision: 's' });
  return server;
}

/** The (time, value) pairs of one series' objects, in answer order. */
function timeValues(objects: readonly Answer[], name: string): unknown[][] {
  const rows: unknown[][] = [];
  for (const object of objects) {
    if (object.name !== name) continue;
    const time = object.columns.indexOf('time');
    const value = object.columns.indexOf('value');
    for (const point of object.points) rows.push([point[time], point[value]]);
  }
  return rows;
}

const newestFirst = (rows: unknown[][]): unknown[][] => [...rows].reverse();

test('a one-shard series of several pages comes back whole, from segments and memtable both', async (t) => {
  const server = await splitServer();
  const expected = newestFirst(points(0, 0, LONG_POINTS));

  // Every answer is taken before any is compared: comparing 45,000 rows can keep this process
  // busy past the server's 10 s keep-alive idle timeout, and a request sent on the connection
  // it closes meanwhile fails.
  const whole = await querySeries(server, DB, 'select value from long', { time_precision: 's' });
  const chunked = await query(server, DB, 'select value from long', { time_precision: 's', chunked: 'true' });
  const ascending = await querySeries(server, DB, 'select value from long where time > 1600000099s order asc', { time_precision: 's' });

  deepEqualLarge(t, timeValues(whole, 'long'), expected);
  t.is(chunked.status, 200);
  const objects = parseJsonConcatenation(chunked.text) as Answer[];
  t.true(objects.length > 1, 'the chunked answer is several objects');
  deepEqualLarge(t, timeValues(objects, 'long'), expected);
  deepEqualLarge(t, timeValues(ascending, 'long'), points(0, 10, LONG_POINTS));
});

test('every series answers its newest point once, from whichever shard owns it', async (t) => {
  const server = await splitServer();
  const expected = [
    ['long', points(0, LONG_POINTS - 1, LONG_POINTS)],
    ...Array.from({ length: SHORT_SERIES }, (_, s) => [`short${s}`, points(s + 1, SHORT_POINTS - 1, SHORT_POINTS)] as const),
  ].sort(([a], [b]) => String(a).localeCompare(String(b)));

  const whole = await querySeries(server, DB, 'select * from /.*/ limit 1', { time_precision: 's' });
  t.deepEqual(
    whole.map((object) => [object.name, timeValues([object], object.name)]),
    expected,
  );

  const chunked = await query(server, DB, 'select * from /.*/ limit 1', { time_precision: 's', chunked: 'true' });
  const objects = parseJsonConcatenation(chunked.text) as Answer[];
  t.deepEqual(
    objects.map((object) => [object.name, timeValues([object], object.name)]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    expected,
  );
});

test("a first page's own failure still reaches the client, whole or chunked", async (t) => {
  const first = await startServer({ args: ['--shards', '1'] });
  await createDb(first, DB);
  await writeOk(first, DB, [{ name: 'long', columns: ['time', 'value'], points: points(0, 0, 3000) }], { precision: 's' });
  await first.stop();
  // One flipped byte in the file's first block: its checksum fails when a scan reads it.
  const segments = path.join(first.dataDir, 'shards', '0', 'segments');
  const [file] = await readdir(segments);
  const handle = await open(path.join(segments, file!), 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, 20);
  await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 20);
  await handle.close();
  const server = await startServer({ dataDir: first.dataDir, args: ['--shards', '1'] });

  const whole = await query(server, DB, 'select value from long order asc', { time_precision: 's' });
  t.is(whole.status, 500);
  t.regex(whole.text, /corrupt block/);

  // Status 200 went out with the answer's start; 0.8 appended the error text.
  const chunked = await query(server, DB, 'select value from long order asc', { time_precision: 's', chunked: 'true' });
  t.is(chunked.status, 200);
  t.regex(chunked.text, /corrupt block/);
});
