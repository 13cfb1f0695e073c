/**
 * `chunked=true` query output (http-api.md §5.3): bare JSON objects concatenated without a
 * separator, the same points as the non-chunked answer, many objects for a big series, an
 * empty body for no result, and a client that walks away mid-export not hurting the server.
 */
import test from 'ava';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import {
  createDb,
  pointCount,
  query,
  querySeries,
  request,
  streamQuery,
  writeOk,
  type SeriesInput,
  type SeriesResult,
} from '../helpers/client.js';
import { deepEqualLarge } from '../helpers/large-equal.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'chunk';
const BIG_POINTS = 20_000;
const HUGE_POINTS = 200_000;
const SMALL_POINTS = 50;
const BASE_MS = 1380000000_000;
let server: TestServer;

function numbered(name: string, count: number, first: number, perRequest: number): SeriesInput[][] {
  const requests: SeriesInput[][] = [];
  for (let start = 0; start < count; start += perRequest) {
    const points: unknown[][] = [];
    for (let i = start; i < Math.min(count, start + perRequest); i++) points.push([BASE_MS + first + i, i, `p${i}`]);
    requests.push([{ name, columns: ['time', 'value', 'label'], points }]);
  }
  return requests;
}

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  const requests = [
    ...numbered('big', BIG_POINTS, 0, 10_000),
    ...numbered('huge', HUGE_POINTS, 0, 10_000),
    ...numbered('small.a', SMALL_POINTS, 0, SMALL_POINTS),
    ...numbered('small.b', SMALL_POINTS, 7, SMALL_POINTS),
  ];
  for (const body of requests) await writeOk(server, DB, body, { precision: 'ms' });
});

test.after.always(cleanupServers);

async function collect(q: string, params: Record<string, string> = {}): Promise<SeriesResult[]> {
  const streamed = await streamQuery(server, DB, q, params);
  if (streamed.status !== 200) throw new Error(`HTTP ${streamed.status}: ${await streamed.text()}`);
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  return objects;
}

/** Concatenates the points of each series name, keeping arrival order within a series. */
function bySeries(objects: readonly SeriesResult[]): Map<string, unknown[][]> {
  const merged = new Map<string, unknown[][]>();
  for (const object of objects) merged.set(object.name, [...(merged.get(object.name) ?? []), ...object.points]);
  return merged;
}

test.serial('the chunked body is bare JSON objects with no separator, each a series object', async (t) => {
  const result = await query(server, DB, 'select * from /^small/', { chunked: 'true' });
  t.is(result.status, 200);
  t.regex(result.headers.get('content-type') ?? '', /^application\/json/);
  t.true(result.text.startsWith('{'), result.text.slice(0, 80));
  t.false(result.text.includes('}\n{') || result.text.includes('},{'), 'objects must not be separated');
  const objects = parseJsonConcatenation(result.text) as SeriesResult[];
  t.true(objects.length >= 2);
  for (const object of objects) {
    t.deepEqual(Object.keys(object), ['name', 'columns', 'points']);
    t.deepEqual(object.columns, ['time', 'sequence_number', 'value', 'label']);
  }
});

test.serial('the chunked stream holds exactly the points of the non-chunked answer, in order', async (t) => {
  for (const q of ['select * from big', 'select * from big order asc', 'select * from /^small/', 'select value from small.a, small.b limit 7']) {
    const whole = await querySeries(server, DB, q);
    const streamed = bySeries(await collect(q));
    t.deepEqual(
      [...streamed.keys()].sort(),
      whole.map((s) => s.name),
      q,
    );
    for (const series of whole) deepEqualLarge(t, streamed.get(series.name), series.points, `${q}: ${series.name}`);
  }
});

test.serial('a big series is streamed as many objects', async (t) => {
  const objects = await collect('select * from big');
  t.is(pointCount(objects), BIG_POINTS);
  t.true(objects.length > 1, `${BIG_POINTS} points arrived in ${objects.length} object(s)`);
  t.true(
    objects.every((o) => o.name === 'big'),
  );
});

test.serial('pretty=true chunks are indented and still concatenated', async (t) => {
  const result = await query(server, DB, 'select * from small.a', { chunked: 'true', pretty: 'true' });
  t.is(result.status, 200);
  t.true(result.text.includes('\n    "name"'), result.text.slice(0, 200));
  const objects = parseJsonConcatenation(result.text) as SeriesResult[];
  t.is(pointCount(objects), SMALL_POINTS);
});

test.serial('a query with no result gives 200 and an empty body', async (t) => {
  const result = await query(server, DB, 'select * from big where time < 1s', { chunked: 'true' });
  t.is(result.status, 200);
  t.is(result.text, '');
});

test.serial('list series gives exactly one object', async (t) => {
  const objects = await collect('list series');
  t.is(objects.length, 1);
  t.is(objects[0]?.name, 'list_series_result');
  t.is(objects[0]?.points.length, 4);
});

test.serial('an error before any output is an ordinary 400', async (t) => {
  const result = await query(server, DB, 'select * from nosuch', { chunked: 'true' });
  t.is(result.status, 400);
  t.is(result.text, "Couldn't look up columns for series: nosuch");
});

test.serial('clients aborting a huge export mid-stream leave the server healthy', async (t) => {
  const abortAfterFewChunks = async (): Promise<number> => {
    const controller = new AbortController();
    const streamed = await streamQuery(server, DB, 'select * from huge', {}, controller.signal);
    t.is(streamed.status, 200);
    let received = 0;
    let objects = 0;
    for await (const object of streamed.objects) {
      received += object.points.length;
      if (++objects === 3) break;
    }
    controller.abort();
    return received;
  };
  const received = await Promise.all([abortAfterFewChunks(), abortAfterFewChunks(), abortAfterFewChunks()]);
  t.true(
    received.every((n) => n > 0 && n < HUGE_POINTS),
    `points read before aborting: ${received.join(', ')}`,
  );

  const ping = await request(server, 'GET', '/ping');
  t.is(ping.status, 200);
  t.is(server.process.exitCode, null, 'server must still be running');
  const small = await querySeries(server, DB, 'select * from small.a');
  t.is(pointCount(small), SMALL_POINTS);
  t.is(pointCount(await collect('select * from big')), BIG_POINTS);
  t.is(pointCount(await collect('select value from huge')), HUGE_POINTS, 'a full export still completes after the aborts');
});
