/**
 * Streamed answers a client asked for compressed: the shards compress the pages of a chunked
 * export apart and the main thread frames them into one gzip or zlib stream
 * (util/deflate-piece.ts), while pieces made on the main thread (aggregates, lists) are
 * compressed there. Whatever made the pieces, the answer must inflate, with its trailer's
 * check and length verified, to the same series and rows as the uncompressed answer.
 */
import test from 'ava';
import { gunzipSync, inflateSync } from 'node:zlib';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import { createDb, queryString, rawRequest, writeOk, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'zipped';
/** Series big enough for several pages each (a page holds 20,000 rows), and small ones. */
const BIG_SERIES = 3;
const BIG_POINTS = 45_000;
const SMALL_SERIES = 30;
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  for (let start = 0; start < BIG_POINTS; start += 5_000) {
    const body: SeriesInput[] = Array.from({ length: BIG_SERIES }, (_, s) => ({
      name: `big.${s}`,
      columns: ['time', 'value'],
      points: Array.from({ length: 5_000 }, (_, i) => [1_380_000_000 + (start + i) * 10, ((start + i) * 7919 + s) % 10_007 / 100]),
    }));
    await writeOk(server, DB, body, { precision: 's' });
  }
  const small: SeriesInput[] = Array.from({ length: SMALL_SERIES }, (_, s) => ({
    name: `small.${s}`,
    columns: ['time', 'value', 'host'],
    points: Array.from({ length: 20 }, (_, i) => [1_380_000_000 + i * 60, s + i / 4, `h${s % 3}`]),
  }));
  await writeOk(server, DB, small, { precision: 's' });
});

test.after.always(cleanupServers);

interface SeriesObject {
  name: string;
  columns: string[];
  points: unknown[][];
}

type Encoding = 'gzip' | 'deflate' | 'identity';

/** The answer's text, inflated as its Content-Encoding says, chunked unless `whole`. */
async function answerText(q: string, encoding: Encoding, whole = false): Promise<{ text: string; contentEncoding: string | undefined }> {
  const path = `/db/${DB}/series${queryString({ u: 'root', p: 'root', q, ...(whole ? {} : { chunked: 'true' }), time_precision: 's' })}`;
  const result = await rawRequest(server, 'GET', path, { headers: { 'accept-encoding': encoding } });
  if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.body.toString('utf8').slice(0, 300)}`);
  const contentEncoding = result.headers['content-encoding'] as string | undefined;
  // Both inflaters verify the trailer: the combined check and (gzip) the length.
  const text = (contentEncoding === 'gzip' ? gunzipSync(result.body) : contentEncoding === 'deflate' ? inflateSync(result.body) : result.body).toString('utf8');
  return { text, contentEncoding };
}

async function answer(q: string, encoding: Encoding): Promise<{ objects: SeriesObject[]; contentEncoding: string | undefined }> {
  const { text, contentEncoding } = await answerText(q, encoding);
  return { objects: parseJsonConcatenation(text) as SeriesObject[], contentEncoding };
}

/**
 * The objects as JSON texts in a fixed order: two shards' pages interleave in any order.
 * Compared as texts: a deep comparison of 135,000 rows held this process's event loop for
 * seconds, and under a loaded machine a test's connection, opened but not yet written to,
 * sat idle past uWS's 10 s limit for a request to arrive and was closed.
 */
function sorted(objects: SeriesObject[]): string[] {
  return objects.map((object) => JSON.stringify(object)).sort();
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((text, i) => text === b[i]);
}

for (const encoding of ['gzip', 'deflate'] as const) {
  test.serial(`a chunked export of every series, ${encoding}-compressed by the shards, inflates to the plain answer`, async (t) => {
    const plain = await answer('select * from /.*/', 'identity');
    const zipped = await answer('select * from /.*/', encoding);
    t.is(plain.contentEncoding, undefined);
    t.is(zipped.contentEncoding, encoding);
    const rows = zipped.objects.reduce((sum, o) => sum + o.points.length, 0);
    t.is(rows, BIG_SERIES * BIG_POINTS + SMALL_SERIES * 20);
    t.true(sameTexts(sorted(zipped.objects), sorted(plain.objects)));
  });

  test.serial(`a chunked aggregate and a series list, ${encoding}-compressed on the main thread, inflate to the plain answers`, async (t) => {
    for (const q of ['select max(value), count(value) from /.*/ group by time(1h)', 'list series']) {
      const plain = await answer(q, 'identity');
      const zipped = await answer(q, encoding);
      t.is(zipped.contentEncoding, encoding, q);
      t.true(zipped.objects.length > 0, q);
      t.true(sameTexts(sorted(zipped.objects), sorted(plain.objects)), q);
    }
  });
}

test.serial('a compressed chunked answer with no rows is a valid empty stream', async (t) => {
  const zipped = await answer('select * from big.0 where time < 1000s', 'gzip');
  t.deepEqual(zipped.objects, []);
});

test.serial('a compressed one-page answer (one piece, then the end) inflates whole', async (t) => {
  const zipped = await answer('select * from big.1 limit 5', 'gzip');
  t.is(zipped.objects.length, 1);
  t.is(zipped.objects[0]!.points.length, 5);
});

test.serial('whole answers asked for compressed, many at once, each inflate to their own plain answer', async (t) => {
  // The main thread writes whole answers into one reused buffer; one compressed off the event
  // loop must not see the next answer written over it.
  const queries = [0, 1, 2].flatMap((s) => [`select * from big.${s}`, `select max(value) from big.${s} group by time(1m)`]);
  const plain = await Promise.all(queries.map((q) => answerText(q, 'identity', true)));
  for (let round = 0; round < 3; round++) {
    const zipped = await Promise.all(queries.map((q, i) => answerText(q, i % 2 === 0 ? 'gzip' : 'deflate', true)));
    zipped.forEach((answer, i) => {
      t.not(answer.contentEncoding, undefined, queries[i]);
      t.true(answer.text === plain[i]!.text, `${queries[i]}: round ${round}`);
    });
  }
});
