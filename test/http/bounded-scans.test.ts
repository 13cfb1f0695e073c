/**
 * Scans hold blocks, never whole series: readers of a long series that stop reading cost the
 * server a few blocks and pages each, `limit 1` reads one block from either end, and a scan
 * over a time range reads only the blocks it touches — with the same answers as ever.
 */
import test from 'ava';
import http from 'node:http';
import { querySeries, sleep, urlFor } from '../helpers/client.js';
import { rssBytes } from '../helpers/proc.js';
import { serverWithLongSeries } from '../helpers/long-series.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'bounded';
const POINTS = 1_000_000;
const START_S = 1_600_000_000;
let server: TestServer;

test.before(async () => {
  server = await serverWithLongSeries(DB, POINTS, START_S);
});

test.serial('limit 1 reads the newest point by default and the oldest in ascending order', async (t) => {
  const [newest] = await querySeries(server, DB, 'select value from big limit 1', { time_precision: 's' });
  t.deepEqual(newest?.points.map((p) => [p[0], p[2]]), [[START_S + POINTS - 1, POINTS - 1]]);
  const [oldest] = await querySeries(server, DB, 'select value from big order asc limit 1', { time_precision: 's' });
  t.deepEqual(oldest?.points.map((p) => [p[0], p[2]]), [[START_S, 0]]);
});

test.serial('a time range in the middle of the series returns exactly its points ([start, end), as 0.8)', async (t) => {
  const from = START_S + 500_000;
  const [series] = await querySeries(server, DB, `select value from big where time > ${from}s and time < ${from + 2500}s order asc`, {
    time_precision: 's',
  });
  const values = series?.points.map((p) => p[2]) ?? [];
  t.is(values.length, 2500);
  t.is(values[0], 500_000);
  t.is(values.at(-1), 502_499);
});

test.serial('twenty readers that stop reading a million-point export hold blocks, not the series', async (t) => {
  const before = rssBytes(server.pid);
  const url = urlFor(server, `/db/${DB}/series`, { q: 'select * from big', chunked: 'true' });
  const requests = Array.from({ length: 20 }, () => {
    const request = http.get(url);
    request.on('response', (response) => {
      response.once('data', () => response.pause()); // one chunk, then never read again
    });
    request.on('error', () => undefined);
    return request;
  });
  await sleep(3000);
  const grown = rssBytes(server.pid) - before;
  t.log(`server RSS grew ${Math.round(grown / 2 ** 20)} MiB with 20 stalled readers`);
  for (const request of requests) request.destroy();
  // A whole series held per reader would be ≥ 25 MB each (time, seq and value per point).
  t.true(grown < 200 * 2 ** 20, `grew ${Math.round(grown / 2 ** 20)} MiB`);
  const [series] = await querySeries(server, DB, 'select value from big limit 3');
  t.is(series?.points.length, 3, 'the server still answers');
});
