/**
 * A `format=arrow` export streams with backpressure: a reader that stops reading holds a few
 * record batches in the server, not the answer, and a slow reader still gets every row.
 */
import test from 'ava';
import http from 'node:http';
import { RecordBatchReader } from 'apache-arrow';
import { request, sleep, urlFor } from '../helpers/client.js';
import { rssBytes } from '../helpers/proc.js';
import { serverWithLongSeries } from '../helpers/long-series.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';

const DB = 'arrowslow';
const POINTS = 1_000_000;
const START_S = 1_600_000_000;
let server: TestServer;

test.before(async () => {
  server = await serverWithLongSeries(DB, POINTS, START_S);
});

test.after.always(cleanupServers);

const exportUrl = (): string => urlFor(server, `/db/${DB}/series`, { q: 'select * from big', format: 'arrow' });

test.serial('twenty readers that stop reading a million-point Arrow export hold batches, not the answer', async (t) => {
  const before = rssBytes(server.pid);
  const requests = Array.from({ length: 20 }, () => {
    const request = http.get(exportUrl());
    request.on('response', (response) => {
      response.once('data', () => response.pause()); // one chunk, then never read again
    });
    request.on('error', () => undefined);
    return request;
  });
  await sleep(3000);
  const grown = rssBytes(server.pid) - before;
  t.log(`server RSS grew ${Math.round(grown / 2 ** 20)} MiB with 20 stalled Arrow readers`);
  for (const request of requests) request.destroy();
  // Held whole, the answers would take 480 MB (28 B a row in Arrow, 1 M rows, 20 readers). Unlike
  // a JSON export, each reader's survey of the column kinds has read every block once before
  // stalling, which fills the block cache and leaves decoding garbage: about 100 MiB over the
  // JSON export's growth (bounded-scans.test.ts), whatever the answer's size.
  t.true(grown < 320 * 2 ** 20, `grew ${Math.round(grown / 2 ** 20)} MiB`);
});

test.serial('a slow reader receives every row of the Arrow export, in order', async (t) => {
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(exportUrl(), resolve).on('error', reject));
  async function* slowly(): AsyncGenerator<Uint8Array> {
    for await (const chunk of response) {
      yield chunk as Uint8Array;
      await sleep(2);
    }
  }
  const reader = await RecordBatchReader.from(slowly());
  let rows = 0;
  let last = Infinity;
  let ordered = true;
  for await (const batch of reader) {
    const values = batch.getChild('value')!.toArray() as Float64Array;
    for (const value of values) {
      if (value >= last) ordered = false;
      last = value;
    }
    rows += batch.numRows;
  }
  t.is(rows, POINTS);
  t.true(ordered, 'newest first, as the default order');
});

test.serial('an answer cut midway is no valid stream: the reader fails instead of taking part of it for all', async (t) => {
  const created = await request(server, 'POST', `/db/${DB}/users`, { body: JSON.stringify({ name: 'leaver', password: 'secret1' }) });
  t.is(created.status, 200, created.text);
  const url = urlFor(server, `/db/${DB}/series`, { q: 'select * from big', format: 'arrow' }, { u: 'leaver', p: 'secret1' });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on('error', reject));
  let rows = 0;
  let deleted = false;
  async function* deletingMidway(): AsyncGenerator<Uint8Array> {
    for await (const chunk of response) {
      yield chunk as Uint8Array;
      if (!deleted) {
        deleted = true;
        // Deleting the account ends its open answers before their next piece.
        const gone = await request(server, 'DELETE', `/db/${DB}/users/leaver`);
        t.is(gone.status, 200, gone.text);
      }
      await sleep(2);
    }
  }
  await t.throwsAsync(async () => {
    for await (const batch of await RecordBatchReader.from(deletingMidway())) rows += batch.numRows;
  });
  t.true(rows > 0 && rows < POINTS, `${rows} rows arrived`);
});
