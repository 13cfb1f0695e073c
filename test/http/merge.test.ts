/**
 * `select … from a merge b` over HTTP (query-language.md §10.1, §9.2): one series named
 * `a_merge_b` whose rows interleave both series by time in query order, right series first on
 * equal times, each row keeping its own time and sequence number plus `_orig_series`; the
 * column union; the where clause applied to each series; limit; arithmetic; chunked output
 * over series longer than a block that live on different shards; and the errors.
 */
import test from 'ava';
import { query, querySeries, request, streamQuery, writeOk, type SeriesResult } from '../helpers/client.js';
import { serverWithSeries } from '../helpers/seeded-server.js';
import { cleanupServers, type TestServer } from '../helpers/server.js';
import { shardOf } from '../../src/storage/router.js';

const DB = 'merging';
const SHARDS = 2;
const LONG = 2600;
let server: TestServer;

/** Two long series on different shards: even times in one, odd times in the other. */
const LONG_A = 'long.a';
const LONG_B = 'long.d';

test.before(async () => {
  server = await serverWithSeries(
    DB,
    [
      { name: 'foo', columns: ['time', 'sequence_number', 'v'], points: [[1, 10001, 1], [7, 40001, 3]] },
      { name: 'bar', columns: ['time', 'sequence_number', 'v'], points: [[5, 20001, 2], [6, 30001, 4]] },
      { name: 'left', columns: ['time', 'sequence_number', 'a', 'shared'], points: [[10, 1, 'l1', 1], [20, 2, 'l2', 2], [30, 3, null, 3]] },
      { name: 'right', columns: ['time', 'sequence_number', 'shared', 'b'], points: [[20, 5, 20, true], [25, 6, 25, false]] },
      { name: 'nowhere', columns: ['time', 'sequence_number', 'other'], points: [[20, 7, 1]] },
      { name: LONG_A, columns: ['time', 'sequence_number', 'n'], points: Array.from({ length: LONG }, (_, i) => [2 * i, i + 1, 2 * i]) },
      { name: LONG_B, columns: ['time', 'sequence_number', 'n'], points: Array.from({ length: LONG }, (_, i) => [2 * i + 1, i + 1, 2 * i + 1]) },
    ],
    { args: ['--shards', String(SHARDS)] },
  );
});

test.after.always(cleanupServers);

async function select(q: string, params: Record<string, string> = {}): Promise<SeriesResult[]> {
  return querySeries(server, DB, q, { time_precision: 's', ...params });
}

test.serial('the §10.1 example: foo_merge_bar interleaved by time, each row with its own sequence number', async (t) => {
  t.deepEqual(await select('select * from foo merge bar order asc'), [
    {
      name: 'foo_merge_bar',
      columns: ['time', 'sequence_number', 'v', '_orig_series'],
      points: [[1, 10001, 1, 'foo'], [5, 20001, 2, 'bar'], [6, 30001, 4, 'bar'], [7, 40001, 3, 'foo']],
    },
  ]);
  const [descending] = await select('select * from foo merge bar');
  t.deepEqual(descending!.points.map((p) => p[0]), [7, 6, 5, 1], 'descending by default');
});

test.serial('columns: the left series’ columns, then the right’s new ones, then _orig_series; missing ones are null', async (t) => {
  const [result] = await select('select * from left merge right order asc');
  t.deepEqual(result, {
    name: 'left_merge_right',
    columns: ['time', 'sequence_number', 'a', 'shared', 'b', '_orig_series'],
    points: [
      [10, 1, 'l1', 1, null, 'left'],
      // Equal times: the right series' point comes first, in both directions.
      [20, 5, null, 20, true, 'right'],
      [20, 2, 'l2', 2, null, 'left'],
      [25, 6, null, 25, false, 'right'],
      [30, 3, null, 3, null, 'left'],
    ],
  });
  const [descending] = await select('select * from left merge right');
  t.deepEqual(descending!.points.map((p) => `${p[0]}:${p[5]}`), ['30:left', '25:right', '20:right', '20:left', '10:left']);
});

test.serial('pretty=true merged rows are indented like JSON.stringify(…, null, 4)', async (t) => {
  const response = await query(server, DB, 'select * from left merge right', { pretty: 'true', time_precision: 's' });
  t.is(response.status, 200);
  t.is(response.text.trimEnd(), JSON.stringify(JSON.parse(response.text), null, 4));
  t.deepEqual(JSON.parse(response.text), await select('select * from left merge right'));
});

test.serial('an explicit column list, byte-sorted, must exist in both series', async (t) => {
  const [result] = await select('select shared from left merge right order asc limit 2');
  t.deepEqual(result, {
    name: 'left_merge_right',
    columns: ['time', 'sequence_number', 'shared', '_orig_series'],
    points: [[10, 1, 1, 'left'], [20, 5, 20, 'right']],
  });
  const missing = await query(server, DB, 'select a from left merge right');
  t.is(missing.status, 400);
  t.is(missing.text, "Field a doesn't exist in series right");
});

test.serial('the where clause filters each series before merging, with unprefixed names', async (t) => {
  const [result] = await select('select * from left merge right where shared > 2 order asc');
  t.deepEqual(result!.points.map((p) => `${p[0]}:${p[5]}`), ['20:right', '25:right', '30:left']);
  const [onlyLeft] = await select("select * from left merge nowhere where a = 'l2'");
  t.deepEqual(onlyLeft!.points.map((p) => `${p[0]}:${p[p.length - 1]}`), ['20:left'], 'a series lacking the where column adds nothing');
  const none = await query(server, DB, "select * from left merge right where a = 'nothing'");
  t.is(none.text, '[]');
});

test.serial('time range, limit and arithmetic apply to the merged stream', async (t) => {
  const [limited] = await select('select * from left merge right where time > 15s and time < 30s limit 2');
  t.deepEqual(limited!.points.map((p) => `${p[0]}:${p[5]}`), ['25:right', '20:right']);
  const [computed] = await select('select shared * 2, (shared + 0.5) as half from left merge right order asc');
  t.deepEqual(computed, {
    name: 'left_merge_right',
    columns: ['time', 'sequence_number', 'expr0', 'half'],
    points: [[10, 1, 2, 1.5], [20, 5, 40, 20.5], [20, 2, 4, 2.5], [25, 6, 50, 25.5], [30, 3, 6, 3.5]],
  });
});

test.serial('series longer than a block on different shards merge exactly, chunked and not', async (t) => {
  t.not(shardOf(DB, LONG_A, SHARDS), shardOf(DB, LONG_B, SHARDS), 'the two series must live on different shards');
  const q = `select n from "${LONG_A}" merge "${LONG_B}"`;
  const [whole] = await select(q);
  t.is(whole!.points.length, 2 * LONG);
  t.deepEqual(
    whole!.points.map((p) => p[0]),
    Array.from({ length: 2 * LONG }, (_, i) => 2 * LONG - 1 - i),
  );
  t.true(whole!.points.every((p) => p[2] === p[0] && p[3] === ((p[0] as number) % 2 === 0 ? LONG_A : LONG_B)));

  const streamed = await streamQuery(server, DB, q, { time_precision: 's' });
  t.is(streamed.status, 200);
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.true(objects.length > 1);
  t.true(objects.every((o) => o.name === `${LONG_A}_merge_${LONG_B}` && o.points.length <= 1000));
  t.deepEqual(
    objects.flatMap((o) => o.points),
    whole!.points,
  );
  const [limited] = await select(`${q} order asc limit 1500`);
  t.deepEqual(limited!.points.at(-1), [1499, 750, 1499, LONG_B]);
});

test.serial('clients leaving mid-merge leave the server healthy and later merges whole', async (t) => {
  const HUGE = 60_000;
  const huge = (name: string, offset: number) => ({
    name,
    columns: ['time', 'n'],
    points: Array.from({ length: HUGE }, (_, i) => [2 * i + offset, i]),
  });
  await writeOk(server, DB, [huge('huge.a', 0), huge('huge.b', 1)], { precision: 's' });
  const q = 'select * from huge.a merge huge.b';
  const leaveEarly = async (): Promise<number> => {
    const controller = new AbortController();
    const streamed = await streamQuery(server, DB, q, {}, controller.signal);
    let received = 0;
    for await (const object of streamed.objects) {
      received += object.points.length;
      if (received >= 2000) break;
    }
    controller.abort();
    return received;
  };
  const received = await Promise.all([leaveEarly(), leaveEarly(), leaveEarly()]);
  t.true(received.every((n) => n > 0 && n < 2 * HUGE), received.join(', '));
  t.is((await request(server, 'GET', '/ping')).status, 200);
  const [whole] = await select(q);
  t.is(whole!.points.length, 2 * HUGE);
  t.deepEqual(whole!.points[0], [2 * HUGE - 1, whole!.points[0]![1], HUGE - 1, 'huge.b']);
});

test.serial('errors: an unknown series, and merges of more than two series do not parse', async (t) => {
  const unknown = await query(server, DB, 'select * from foo merge nosuch');
  t.is(unknown.status, 400);
  t.is(unknown.text, "Couldn't look up columns for series: nosuch");
  const three = await query(server, DB, 'select * from foo merge bar merge left');
  t.is(three.status, 400);
  t.regex(three.text, /^syntax error, unexpected MERGE/);
  const regex = await query(server, DB, 'select * from /foo/ merge bar');
  t.is(regex.status, 400);
  t.regex(regex.text, /^syntax error, unexpected MERGE/);
});
