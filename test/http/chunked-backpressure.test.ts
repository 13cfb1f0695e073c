/**
 * A chunked export to a client that reads slower than the shards produce: the server must
 * wait for the socket and then carry on to the last byte, plain or gzip-compressed, with
 * pages from two shards interleaving. (It once stalled for good once uWS held unsent bytes.)
 * Pages take turns in two buffers shared with the shards (scan-cursor.ts, jsonPageSlots), so every
 * row is checked, not counted: a page overwritten before it went out would repeat another
 * page's rows in place of its own, with the count unchanged.
 */
import test from 'ava';
import http from 'node:http';
import { createGunzip } from 'node:zlib';
import { parseJsonStream } from '../helpers/json-stream.js';
import { createDb, urlFor, writeOk, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'slow';
const SERIES = 40;
const POINTS = 10_000;
const PER_REQUEST = 1_000;
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  for (let start = 0; start < POINTS; start += PER_REQUEST) {
    const body: SeriesInput[] = Array.from({ length: SERIES }, (_, s) => ({
      name: `load.s${s}`,
      columns: ['time', 'value'],
      points: Array.from({ length: PER_REQUEST }, (_, i) => [1_380_000_000 + (start + i) * 10, (start + i) / 100]),
    }));
    await writeOk(server, DB, body, { precision: 's' });
  }
});

test.after.always(cleanupServers);

interface SeriesObject {
  name: string;
  columns: string[];
  points: [number, number, number][];
}

/**
 * Rows whose value is not the one written at their time, or that repeat a time of their
 * series; and how many rows and objects arrived.
 */
async function checkRows(body: AsyncIterable<Uint8Array>): Promise<{ rows: number; objects: number; wrong: number; names: string[] }> {
  const seen = new Map<string, Set<number>>();
  let rows = 0;
  let objects = 0;
  let wrong = 0;
  for await (const value of parseJsonStream(body)) {
    const object = value as SeriesObject;
    objects++;
    const times = seen.get(object.name) ?? new Set<number>();
    seen.set(object.name, times);
    for (const [time, , v] of object.points) {
      rows++;
      const index = (time - 1_380_000_000) / 10;
      if (times.has(time) || v !== index / 100) wrong++;
      times.add(time);
    }
  }
  return { rows, objects, wrong, names: [...seen.keys()].sort() };
}

/** GET the export, reading one network chunk every `pauseMs`, and check what arrives. */
async function slowExport(gzip: boolean, pauseMs: number, q = 'select * from /.*/'): Promise<{ rows: number; objects: number; wrong: number; names: string[] }> {
  const url = urlFor(server, `/db/${DB}/series`, { q, chunked: 'true', time_precision: 's' });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': gzip ? 'gzip' : 'identity' } }, resolve).on('error', reject);
  });
  async function* slowly(): AsyncGenerator<Uint8Array> {
    const source = gzip ? response.pipe(createGunzip()) : response;
    for await (const chunk of source) {
      yield chunk as Uint8Array;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('export stalled')), 60_000).unref());
  return Promise.race([checkRows(slowly()), deadline]);
}

test.serial('a slow reader receives the whole export, every row once with its value', async (t) => {
  const counted = await slowExport(false, 3);
  t.is(counted.wrong, 0);
  t.is(counted.rows, SERIES * POINTS);
  t.true(counted.objects >= SERIES);
});

test.serial('a slow reader receives the whole gzip-compressed export, every row once with its value', async (t) => {
  const counted = await slowExport(true, 3);
  t.is(counted.wrong, 0);
  t.is(counted.rows, SERIES * POINTS);
});

test.serial('concurrent chunked exports and one-page answers, sharing the shards\' page buffers, each get exactly their own rows', async (t) => {
  // Three slowly read exports of everything (their pages wait for the socket in their
  // buffers), while one-series answers (one page each) come and go: a pair of page buffers
  // given back too early would carry another answer's rows.
  const exports = [0, 1, 2].map(() => slowExport(false, 3));
  const single: { rows: number; wrong: number; names: string[] }[] = [];
  for (let i = 0; i < 40; i++) single.push(await slowExport(false, 0, `select * from "load.s${i}"`));
  for (const result of await Promise.all(exports)) {
    t.is(result.wrong, 0);
    t.is(result.rows, SERIES * POINTS);
    t.is(result.names.length, SERIES);
  }
  single.forEach((result, i) => {
    t.is(result.wrong, 0);
    t.is(result.rows, POINTS);
    t.deepEqual(result.names, [`load.s${i}`]);
  });
});
