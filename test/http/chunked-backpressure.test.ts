/**
 * A chunked export to a client that reads slower than the shards produce: the server must
 * wait for the socket and then carry on to the last byte, plain or gzip-compressed, with
 * pages from two shards interleaving. (It once stalled for good once uWS held unsent bytes.)
 */
import test from 'ava';
import http from 'node:http';
import { createGunzip } from 'node:zlib';
import { countJsonStream } from '../helpers/json-stream.js';
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

/** GET the export, reading one network chunk every `pauseMs`, and count what arrives. */
async function slowExport(gzip: boolean, pauseMs: number): Promise<{ rows: number; objects: number }> {
  const url = urlFor(server, `/db/${DB}/series`, { q: 'select * from /.*/', chunked: 'true' });
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
  return Promise.race([countJsonStream(slowly()), deadline]);
}

test.serial('a slow reader receives the whole export', async (t) => {
  const counted = await slowExport(false, 3);
  t.is(counted.rows, SERIES * POINTS);
  t.true(counted.objects >= SERIES);
});

test.serial('a slow reader receives the whole gzip-compressed export', async (t) => {
  const counted = await slowExport(true, 3);
  t.is(counted.rows, SERIES * POINTS);
});
