/**
 * Continuous queries (continuous-queries.md, http-api.md §10, query-language.md §5.6):
 * creating through the query endpoint and POST, listing both ways, dropping, the validation
 * errors, ids never reused, surviving restarts, dropped with the database; and fan-out CQs
 * copying every new write into their targets (§5), across shards and within the write.
 */
import test from 'ava';
import { singleNodeTest } from '../helpers/single-node-test.js';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDb, dropDb, query, querySeries, request, sleep, writeOk, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'cq';
const PATH = `/db/${DB}/continuous_queries`;

async function ok(server: TestServer, q: string): Promise<void> {
  const result = await query(server, DB, q);
  if (result.status !== 200 || result.text !== '[]') throw new Error(`${q}: ${result.status} ${result.text}`);
}

test('continuous queries are created, listed, dropped and validated; ids are never reused', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  t.deepEqual(await querySeries(server, DB, 'list continuous queries'), [
    { name: 'continuous queries', columns: ['time', 'sequence_number', 'id', 'query'], points: [] },
  ]);
  await ok(server, 'select * from foo into bar;');
  const posted = await request(server, 'POST', PATH, { body: JSON.stringify({ query: 'select mean(v) from /^stats\\./ group by time(5m) into 5m.:series_name', id: 9 }) });
  t.deepEqual([posted.status, posted.text], [200, '']);
  await ok(server, 'select * from silly_name into :series_name.foo');
  await ok(server, 'drop continuous query 3');
  await ok(server, 'drop continuous query 42');
  await ok(server, 'select * from /.*stats$/ group by time(5m) into :series_name.5m backfill(false)');
  const expected = [
    { id: 1, query: 'select * from foo into bar;' },
    { id: 2, query: 'select mean(v) from /^stats\\./ group by time(5m) into 5m.:series_name' },
    { id: 4, query: 'select * from /.*stats$/ group by time(5m) into :series_name.5m backfill(false)' },
  ];
  t.deepEqual(JSON.parse((await request(server, 'GET', PATH)).text), expected);
  t.deepEqual(await querySeries(server, DB, 'list continuous queries'), [
    { name: 'continuous queries', columns: ['time', 'id', 'query'], points: expected.map((cq) => [0, cq.id, cq.query]) },
  ]);

  const recursion = 'Continuous queries with :series_name interpolation must use a regular expression in the from clause that prevents recursion';
  const refusals: [string, string][] = [
    ['select * from /.*/ into :series_name.foo', recursion],
    ['select * from /^stats\\..*/ into :series_name.foo', recursion],
    ['select * from /stats$/ into foo.:series_name', recursion],
    ['select count(v) from x group by v into y', 'Continuous queries with a group by clause must include time(...) as one of the elements'],
    ['select count(v) from x group by time(1, 2) into y', "Couldn't get group by time for continuous query: time function only accepts one argument"],
    ['select count(v) from x group by time(abc) into y', "Couldn't get group by time for continuous query: invalid argument abc to the time function"],
    ['select * from x into y backfill(maybe)', '`backfill` accepts only bool arguments'],
  ];
  for (const [q, message] of refusals) t.deepEqual(await query(server, DB, q).then((r) => [r.status, r.text]), [400, message], q);
  const post = (body: string) => request(server, 'POST', PATH, { body }).then((r) => [r.status, r.text]);
  t.deepEqual(await post('{"query":"select * from x"}'), [400, "This query isn't a continuous query. Use 'into'. select * from x"]);
  t.deepEqual(await post('{"query":"select * frm x into y"}'), [400, 'Failed to parse continuous query: select * frm x into y']);
  t.deepEqual(await post('{"query":"list series"}'), [400, 'Failed to parse continuous query: list series']);
  t.is((await post('{"query":'))[0], 500);
  // Over the body limit is 413 (it was a 500 as if the body were not JSON), and a CQ whose
  // arithmetic nests too deep is refused as a parse failure.
  t.deepEqual(await post('x'.repeat(70_000)), [413, 'Request body is larger than the limit of 65536 bytes']);
  const deep = `select ${Array(2000).fill('v').join(' + ')} from x into y`;
  t.deepEqual(await post(JSON.stringify({ query: deep })), [400, `Failed to parse continuous query: ${deep}`]);
  t.deepEqual(await post(JSON.stringify({ query: 'select * from /.*/ into :series_name.x' })), [400, recursion]);
  t.deepEqual(await request(server, 'DELETE', `${PATH}/2`).then((r) => [r.status, r.text]), [200, '']);
  t.is((await request(server, 'DELETE', `${PATH}/abc`)).status, 200);
  await server.stop();

  const again = await startServer({ dataDir: server.dataDir });
  t.deepEqual((JSON.parse((await request(again, 'GET', PATH)).text) as { id: number }[]).map((cq) => cq.id), [1, 4]);
  await ok(again, 'select * from a into b');
  t.deepEqual((JSON.parse((await request(again, 'GET', PATH)).text) as { id: number }[]).map((cq) => cq.id), [1, 4, 5]);
  t.is((await dropDb(again, DB)).status, 204);
  await createDb(again, DB);
  t.is((await request(again, 'GET', PATH)).text, '[]');
});

test('fan-out continuous queries copy every new write into their targets, as 0.8 did', async (t) => {
  const server = await startServer({ args: ['--shards', '3'] });
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 's1', columns: ['c1', 'c2'], points: [[0, 'before']] }]);
  await ok(server, 'select * from s1 into d1');
  await ok(server, 'select * from s1 into d3.[c1]');
  await ok(server, 'select * from /s\\d/ into d3');
  await ok(server, 'select c2 from s1 into only.c2');
  await ok(server, 'select * from /^events$/ into events.[[type]].:series_name');
  await writeOk(server, DB, [
    { name: 's1', columns: ['c1', 'c2'], points: [[1, 'a'], [2, 'b']] },
    { name: 's2', columns: ['c3'], points: [[3]] },
    { name: 'events', columns: ['time', 'sequence_number', 'type', 'n'], points: [[1000, 7, 'click', 1], [2000, 8, 1.5, 2], [3000, 9, null, 3]] },
  ]);
  const read = async (name: string) => (await querySeries(server, DB, `select * from "${name}" order asc`))[0];
  const s1 = (await read('s1'))!;
  const d1 = (await read('d1'))!;
  // Copies keep time and sequence number; data written before the CQ is not copied.
  t.deepEqual(d1.columns, ['time', 'sequence_number', 'c1', 'c2']);
  t.deepEqual(d1.points, s1.points.filter((p) => p[3] !== 'before'));
  t.deepEqual((await read('d3.1'))!.points.map((p) => p.slice(2)), [['a']]);
  t.deepEqual((await read('d3.1'))!.columns, ['time', 'sequence_number', 'c2']);
  t.deepEqual((await read('d3.2'))!.points.map((p) => p.slice(2)), [['b']]);
  const d3 = (await read('d3'))!;
  t.deepEqual(d3.columns, ['time', 'sequence_number', 'c1', 'c2', 'c3']);
  t.is(d3.points.length, 3);
  t.deepEqual((await read('only.c2'))!.columns, ['time', 'sequence_number', 'c2']);
  t.deepEqual((await read('events.click.events'))!.points, [[1000, 7, 1]]);
  t.deepEqual((await read('events.1.5.events'))!.points, [[2000, 8, 2]]);
  t.deepEqual((await read('events..events'))!.points, [[3000, 9, 3]]);
  // No cascades: d1 is not a source of anything, and d3's copies were not copied again.
  t.false((await querySeries(server, DB, 'list series')).some((s) => s.points.some((p) => String(p[1]).startsWith('d3.d'))));

  // Still there after a restart, and dropping the CQ stops the copies.
  await server.stop();
  const again = await startServer({ dataDir: server.dataDir, args: ['--shards', '3'] });
  await ok(again, 'drop continuous query 2');
  await writeOk(again, DB, [{ name: 's1', columns: ['time', 'c1', 'c2'], points: [[5000, 3, 'c']] }]);
  const readAgain = async (name: string) => (await querySeries(again, DB, `select * from "${name}" order asc`))[0];
  t.is((await readAgain('d1'))!.points.length, 3);
  t.is((await query(again, DB, 'select * from "d3.3"')).status, 400);
});

test('a fan-out continuous query over more series than its lookup table keeps copies each series to its own target', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await ok(server, 'select * from /^m\\./ into copy.:series_name');
  // 6000 matching names (the table keeps 4096, then starts over), long and non-ASCII ones, and names the CQ skips.
  const names = [...Array.from({ length: 6000 }, (_, i) => `m.${i}`), `m.${'long'.repeat(20)}`, 'm.été', 'm.日本', 'mx.0', 'other.m.1'];
  const write = (written: string[], round: number) =>
    writeOk(server, DB, written.map((name) => ({ name, columns: ['time', 'v'], points: [[round * 1000, names.indexOf(name)]] })));
  await write(names, 1);
  await write(names, 2);
  // A few names again and again, so that each parse thread finds them in its table.
  const repeated = [...names.slice(0, 50), ...names.slice(-5)];
  for (let round = 3; round <= 8; round++) await write(repeated, round);
  const copies = await querySeries(server, DB, 'select count(v), max(v) from /^copy\\./');
  const counted = new Map(copies.map((series) => [series.name, series.points[0]!.slice(1)]));
  const copied = names.filter((name) => name.startsWith('m.'));
  t.is(counted.size, copied.length);
  const wrong = copied.filter((name) => JSON.stringify(counted.get(`copy.${name}`)) !== JSON.stringify([repeated.includes(name) ? 8 : 2, names.indexOf(name)]));
  t.deepEqual(wrong, []);
});

/** Polls a query until `done` accepts its series, or fails after `ms`. */
async function eventually(server: TestServer, q: string, done: (series: SeriesResult[]) => boolean, ms = 10_000): Promise<SeriesResult[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await query(server, DB, q, { time_precision: 's' });
    const series = result.status === 200 ? (JSON.parse(result.text) as SeriesResult[]) : [];
    if (done(series)) return series;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${q}: ${result.status} ${result.text}`);
    await sleep(100);
  }
}

const H = 3600;
const T = Date.UTC(2020, 0, 1) / 1000;

test('periodic continuous queries backfill every complete interval, once, with the spec series and sequence numbers', async (t) => {
  const server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  await writeOk(
    server,
    DB,
    [
      { name: 'cpu', columns: ['time', 'v', 'host'], points: [[T, 1, 'a'], [T + 60, 3, 'b'], [T + 120, 5, 'a'], [T + H, 7, 'a']] },
      { name: 'stats.x', columns: ['time', 'v'], points: [[T, 2], [T + 2 * H, 4]] },
    ],
    { precision: 's' },
  );
  await ok(server, 'select count(v), mean(v) from cpu group by time(1h) into cpu.1h');
  await ok(server, 'select count(v) from cpu group by time(1h), host into :series_name.count.[host]');
  await ok(server, 'select max(v) from /^stats\\./ group by time(1h) into 1h.:series_name');
  await ok(server, 'select count(v) from cpu group by time(1h), host into per_host');
  const [hourly] = await eventually(server, 'select * from cpu.1h order asc', (s) => s.length === 1);
  t.deepEqual(hourly!.columns, ['time', 'sequence_number', 'count', 'mean']);
  t.deepEqual(hourly!.points, [[T, 1, 3, 3], [T + H, 1, 1, 7]]);
  const [countA] = await eventually(server, 'select * from "cpu.count.a" order asc', (s) => s.length === 1);
  t.deepEqual(countA!, { name: 'cpu.count.a', columns: ['time', 'sequence_number', 'count'], points: [[T, 1, 2], [T + H, 1, 1]] });
  const [stats] = await eventually(server, 'select * from "1h.stats.x" order asc', (s) => s.length === 1);
  t.deepEqual(stats!.points, [[T, 1, 2], [T + 2 * H, 1, 4]]);
  // Several rows per bucket: numbered 1, 2 in result order (groups in type order: "a" before "b").
  const [perHost] = await eventually(server, 'select * from per_host order asc', (s) => s.length === 1);
  t.deepEqual(perHost!.columns, ['time', 'sequence_number', 'count', 'host']);
  t.deepEqual(
    perHost!.points.map((p) => [p[0], p[1], p[3]]).sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number)),
    [[T, 1, 'a'], [T, 2, 'b'], [T + H, 1, 'a']],
  );

  // A bucket already computed is never computed again, not after a restart either: late data stays out of it.
  await writeOk(server, DB, [{ name: 'cpu', columns: ['time', 'v', 'host'], points: [[T + 30, 100, 'c']] }], { precision: 's' });
  await server.stop();
  const again = await startServer({ dataDir: server.dataDir, args: ['--shards', '2'] });
  await sleep(2500);
  t.deepEqual((await querySeries(again, DB, 'select * from cpu.1h order asc', { time_precision: 's' }))[0]!.points, [[T, 1, 3, 3], [T + H, 1, 1, 7]]);
  t.is((await query(again, DB, 'select * from "cpu.count.c"')).status, 400);
});

test('a periodic continuous query writes what its select answers: fill and arithmetic between aggregates included', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'g', columns: ['time', 'v'], points: [[T, 1], [T + 60, 2], [T + 3 * H, 4]] }], { precision: 's' });
  const selects = ['select count(v) from g group by time(1h) fill(0)', 'select sum(v) * 2, max(v) - min(v) from g group by time(1h)'];
  const targets = ['g.filled', 'g.arith'];
  for (const [i, select] of selects.entries()) await ok(server, `${select} into ${targets[i]}`);
  for (const [i, select] of selects.entries()) {
    const [answer] = await querySeries(server, DB, `${select} order asc`, { time_precision: 's' });
    const [written] = await eventually(server, `select * from ${targets[i]} order asc`, (s) => s.length === 1 && s[0]!.points.length === answer!.points.length);
    t.deepEqual(written!.columns, ['time', 'sequence_number', ...answer!.columns.slice(1)], targets[i]);
    t.deepEqual(
      written!.points.map(([time, , ...values]) => [time, ...values]),
      answer!.points,
      targets[i],
    );
  }
  const [filled] = await querySeries(server, DB, 'select count from g.filled order asc', { time_precision: 's' });
  t.deepEqual(filled!.points.map((p) => p[2]), [2, 0, 0, 1], 'empty hours filled with 0');
});

test('a periodic continuous query with backfill(false) computes from the interval it was created in, on the server clock', async (t) => {
  // 2026-06-01 05:59:40 UTC on the server's clock: the 06:00 boundary passes twenty seconds in,
  // time enough to create the query first even on a loaded machine.
  const hour = Date.UTC(2026, 5, 1, 6) / 1000;
  const server = await startServer({ env: { SLUICE_TEST_CLOCK_START: new Date((hour - 20) * 1000).toISOString() } });
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'm', columns: ['time', 'v'], points: [[hour - 2 * H + 5, 1], [hour - H + 5, 2], [hour - H + 10, 4]] }], { precision: 's' });
  await ok(server, 'select sum(v) from m group by time(1h) into m.1h backfill(false)');
  await ok(server, 'select sum(v) from m group by time(1h) into m.all');
  const [all] = await eventually(server, 'select * from m.all order asc', (s) => s.length === 1 && s[0]!.points.length === 2, 40_000);
  t.deepEqual(all!.points, [[hour - 2 * H, 1, 1], [hour - H, 1, 6]]);
  const [created] = await eventually(server, 'select * from m.1h order asc', (s) => s.length === 1);
  t.deepEqual(created!.points, [[hour - H, 1, 6]], 'only the interval in progress at creation');
});

test('a periodic continuous query gathering series of several shards into one target numbers its rows across them', async (t) => {
  const server = await startServer({ args: ['--shards', '4'] });
  await createDb(server, DB);
  const sources = ['m.a', 'm.b', 'm.c', 'm.d', 'm.e', 'm.f', 'm.g', 'm.h'];
  await writeOk(server, DB, sources.map((name, i) => ({ name, columns: ['time', 'v'], points: [[T, i]] })), { precision: 's' });
  await ok(server, 'select count(v) from /^m\\./ group by time(1h) into m_total');
  const [total] = await eventually(server, 'select * from m_total order asc', (s) => s.length === 1 && s[0]!.points.length === sources.length);
  t.deepEqual(total!.points.map((p) => p[1]).sort((a, b) => (a as number) - (b as number)), [1, 2, 3, 4, 5, 6, 7, 8], 'one point per source series, none overwritten');
});

test('a periodic continuous query over many series of one shard, computed a page of series at a time, numbers and names every row', async (t) => {
  // One shard: its 100 series go to it in several pages (the first holds 16), and the rows of
  // one target must be numbered across pages as they are across shards.
  const server = await startServer({ args: ['--shards', '1'] });
  await createDb(server, DB);
  const sources = Array.from({ length: 100 }, (_, i) => `p.${i}`);
  await writeOk(server, DB, sources.map((name, i) => ({ name, columns: ['time', 'v'], points: [[T, i], [T + H, 2 * i]] })), { precision: 's' });
  await ok(server, 'select count(v) from /^p\\./ group by time(1h) into p_total');
  await ok(server, 'select max(v) from /^p\\./ group by time(1h) into 1h.:series_name');
  const [total] = await eventually(server, 'select * from p_total order asc', (s) => s.length === 1 && s[0]!.points.length === 2 * sources.length);
  const numbers = (time: number): unknown[] => total!.points.filter((p) => p[0] === time).map((p) => p[1]).sort((a, b) => (a as number) - (b as number));
  const oneTo100 = Array.from({ length: 100 }, (_, i) => i + 1);
  t.deepEqual(numbers(T), oneTo100, 'one point per source series in the first hour, none overwritten');
  t.deepEqual(numbers(T + H), oneTo100, 'and in the second');
  const perSeries = await eventually(server, 'select * from /^1h\\.p\\./', (s) => s.length === sources.length);
  t.deepEqual(
    perSeries.map((s) => [s.name, s.points.map((p) => p[2])]).sort(([a], [b]) => (a as string).localeCompare(b as string)),
    sources.map((name, i) => [`1h.${name}`, [2 * i, i]]).sort(([a], [b]) => (a as string).localeCompare(b as string)),
  );
});

singleNodeTest('a stored continuous query this build refuses stays listed and can be dropped; it neither runs nor stops writes or the server', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  await ok(server, 'select * from a into a.copy');
  await server.stop();
  // As an older build could have stored them: an interval past int64 nanoseconds (refused since),
  // and a text this build cannot parse at all.
  const refusedTexts = ['select count(v) from a group by time(99999999999999w) into a.huge', 'select * from a into'];
  const file = path.join(server.dataDir, 'meta.json');
  const { meta } = JSON.parse(readFileSync(file, 'utf8')) as { meta: { databases: Record<string, { continuousQueries: { id: number; query: string }[]; nextContinuousQueryId: number }> } };
  const stored = meta.databases[DB]!;
  refusedTexts.forEach((query, i) => stored.continuousQueries.push({ id: 2 + i, query }));
  stored.nextContinuousQueryId = 4;
  const text = JSON.stringify(meta);
  writeFileSync(file, `{"sha256":"${createHash('sha256').update(text).digest('hex')}","meta":${text}}`);

  const restarted = await startServer({ dataDir: server.dataDir });
  t.deepEqual(JSON.parse((await request(restarted, 'GET', PATH)).text), [
    { id: 1, query: 'select * from a into a.copy' },
    { id: 2, query: refusedTexts[0] },
    { id: 3, query: refusedTexts[1] },
  ]);
  // Writes go on, and the CQ this build accepts still copies them.
  await writeOk(restarted, DB, [{ name: 'a', columns: ['time', 'v'], points: [[-5, 1], [5, 2]] }]);
  await writeOk(restarted, DB, [{ name: 'a', columns: ['time', 'v'], points: [[6, 3]] }]);
  t.deepEqual((await querySeries(restarted, DB, 'select v from a.copy order asc'))[0]!.points.map((p) => p.at(-1)), [1, 2, 3]);
  // Past two scheduler ticks the server is still up, and the refused periodic one wrote nothing.
  await sleep(2500);
  t.is((await request(restarted, 'GET', '/ping')).status, 200);
  t.deepEqual(await querySeries(restarted, DB, 'list series /huge/'), [{ name: 'list_series_result', columns: ['time', 'sequence_number', 'name'], points: [] }]);
  const warnings = restarted.output().split('\n').filter((line) => line.includes('stored continuous query refused by this build'));
  t.deepEqual(warnings.map((line) => (JSON.parse(line.replace(/^\[stdout\] /, '')) as { id: number }).id).sort(), [2, 3]);
  await ok(restarted, 'drop continuous query 2');
  await ok(restarted, 'drop continuous query 3');
  t.deepEqual(JSON.parse((await request(restarted, 'GET', PATH)).text), [{ id: 1, query: 'select * from a into a.copy' }]);
});
