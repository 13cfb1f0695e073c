/**
 * A whole (non-chunked) answer has one object per series, in byte order of the names. The
 * shards frame those objects themselves: the head before a series' first row, the tail after
 * its last, across their pages of 20,000 rows. These series put a page boundary inside a
 * series, exactly at a series' end (its tail then comes alone on the next page), and between
 * series of two shards, and the answer must be the same bytes JSON.stringify gives.
 */
import test from 'ava';
import { createDb, query, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'framing';
/** Rows per series: one page exactly, one and a quarter pages, and small ones around them. */
const SIZES: Record<string, number> = { 'a.page': 20_000, 'b.more': 25_000, 'c.one': 1, 'd.few': 7, 'e.page': 20_000, 'f.three': 3 };
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  for (const [name, size] of Object.entries(SIZES)) {
    await writeOk(server, DB, [{ name, columns: ['time', 'sequence_number', 'v'], points: Array.from({ length: size }, (_, i) => [1_000_000 + i, 1, i]) }], { precision: 's' });
  }
});
test.after.always(cleanupServers);

interface Series {
  name: string;
  columns: string[];
  points: number[][];
}

function expected(name: string, size: number, limit = Infinity): Series {
  const points = Array.from({ length: Math.min(size, limit) }, (_, i) => [1_000_000 + size - 1 - i, 1, size - 1 - i]);
  return { name, columns: ['time', 'sequence_number', 'v'], points };
}

for (const pretty of [false, true]) {
  test(`every series is one object with all its rows, across pages and shards${pretty ? ', pretty-printed' : ''}`, async (t) => {
    const answer = await query(server, DB, 'select * from /.*/', { time_precision: 's', ...(pretty ? { pretty: 'true' } : {}) });
    t.is(answer.status, 200, answer.text);
    const series = JSON.parse(answer.text) as Series[];
    t.deepEqual(series, Object.entries(SIZES).map(([name, size]) => expected(name, size)));
    t.is(answer.text, pretty ? JSON.stringify(series, null, 4) : JSON.stringify(series));
  });
}

test('a series cut by its limit at the end of a page is closed on that page', async (t) => {
  const answer = await query(server, DB, 'select * from /^[ab]\\./ limit 20000', { time_precision: 's' });
  t.is(answer.status, 200, answer.text);
  const series = JSON.parse(answer.text) as Series[];
  t.deepEqual(series, [expected('a.page', 20_000), expected('b.more', 25_000, 20_000)]);
  t.is(answer.text, JSON.stringify(series));
});
