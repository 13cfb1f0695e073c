/**
 * Nothing proportional to the data runs on the event loop (DESIGN invariant 3): while a query
 * over tens of thousands of series is in flight, `/ping` keeps answering.
 */
import test from 'ava';
import { column, createDb, querySeries, request, sleep, writeOk, type SeriesInput, type Target } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'loop';
/** Series created by one write: grouping them quadratically took seconds on the event loop. */
const MANY_SERIES = 40_000;
/** The slowest ping tolerated while expensive work is in flight (generous for a shared machine). */
const PING_BOUND_MS = 400;
/**
 * Looser for a whole (non-chunked) answer of 40,000 series objects: assembling it still costs a
 * few hundred milliseconds on the event loop. Grouping the series quadratically took ~12 s.
 */
const MANY_SERIES_PING_BOUND_MS = 2_000;
const T0_MS = 1380000000_000;
let server: TestServer;

function manySeriesBody(): SeriesInput[] {
  return Array.from({ length: MANY_SERIES }, (_, i) => ({ name: `m.${i}`, columns: ['time', 'v'], points: [[T0_MS, i]] }));
}

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  await writeOk(server, DB, manySeriesBody(), { precision: 'ms' });
});

test.after.always(cleanupServers);

/** Pings one after another until `work` settles; the slowest round trip says how long the event loop was held. */
async function slowestPingDuring<T>(target: Target, work: Promise<T>): Promise<{ result: T; slowestMs: number }> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  let slowestMs = 0;
  let pings = 0;
  while (!settled || pings === 0) {
    const started = performance.now();
    const ping = await request(target, 'GET', '/ping', { auth: null });
    if (ping.status !== 200) throw new Error(`ping answered ${ping.status}`);
    slowestMs = Math.max(slowestMs, performance.now() - started);
    pings++;
    await sleep(5);
  }
  return { result: await done, slowestMs };
}

test.serial('list series over 40,000 series created by one write answers in byte order', async (t) => {
  const started = performance.now();
  const { result, slowestMs } = await slowestPingDuring(server, querySeries(server, DB, 'list series /^m\\./'));
  const names = column(result[0]!, 'name') as string[];
  t.is(names.length, MANY_SERIES);
  t.deepEqual(names.slice(0, 3), ['m.0', 'm.1', 'm.10']);
  t.true(slowestMs < PING_BOUND_MS, `a ping took ${slowestMs.toFixed(0)} ms`);
  t.log(`list series: ${(performance.now() - started).toFixed(0)} ms, slowest ping ${slowestMs.toFixed(0)} ms`);
});

test.serial('a select over 40,000 regex-matched series does not hold the event loop for seconds', async (t) => {
  const started = performance.now();
  const { result, slowestMs } = await slowestPingDuring(server, querySeries(server, DB, 'select v from /^m\\./'));
  t.is(result.length, MANY_SERIES);
  t.true(slowestMs < MANY_SERIES_PING_BOUND_MS, `a ping took ${slowestMs.toFixed(0)} ms`);
  t.log(`select: ${(performance.now() - started).toFixed(0)} ms, slowest ping ${slowestMs.toFixed(0)} ms`);
});
