/**
 * Scheduled deletes (http-api.md §6.3): POST/GET/DELETE with their statuses and errors,
 * persisted in meta.json with the database, and run once a UTC day at hour `runAt` on the
 * server's clock — which SLUICE_TEST_CLOCK_START sets, so the test starts the server a few
 * seconds before the hour instead of waiting for it.
 */
import test from 'ava';
import { column, createDb, dropDb, querySeries, request, sleep, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'sd';
const PATH = `/db/${DB}/scheduled_deletes`;

function post(server: TestServer, body: string) {
  return request(server, 'POST', PATH, { body });
}

test('scheduled deletes are created, listed, removed, kept across restarts and dropped with the database', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  const created = await post(server, JSON.stringify({ regex: 'stats\\..*', olderThan: '14d', runAt: 3 }));
  t.deepEqual([created.status, JSON.parse(created.text)], [201, { id: 1, regex: 'stats\\..*', olderThan: '14d', runAt: 3 }]);
  t.is((await post(server, '{"regex":"^tmp","olderThan":"36h","runAt":0}')).status, 201);

  const refused: [string, string][] = [
    ['{"olderThan":"14d","runAt":3}', 'regex'],
    ['{"regex":"[","olderThan":"14d","runAt":3}', 'error parsing regexp'],
    ['{"regex":"a","runAt":3}', 'olderThan'],
    ['{"regex":"a","olderThan":"14x","runAt":3}', 'olderThan'],
    ['{"regex":"a","olderThan":"-1d","runAt":3}', 'olderThan'],
    ['{"regex":"a","olderThan":"3652426d","runAt":3}', 'olderThan must be at most 3652425d'],
    ['{"regex":"a","olderThan":"99999999999999999999d","runAt":3}', 'olderThan must be at most 3652425d'],
    ['{"regex":"a","olderThan":"14d","runAt":24}', 'runAt'],
    ['{"regex":"a","olderThan":"14d","runAt":"3"}', 'runAt'],
    ['{"regex":"a","olderThan":"14d","runAt":2.5}', 'runAt'],
    // The seed's example: `\.` is no JSON escape.
    ['{"regex": "stats\\..*", "olderThan": "14d", "runAt": 3}', 'JSON'],
    ['[]', 'object'],
  ];
  for (const [body, field] of refused) {
    const result = await post(server, body);
    t.is(result.status, 400, body);
    t.true(result.text.includes(field), `${body}: ${result.text}`);
  }
  t.is((await request(server, 'DELETE', `${PATH}/1`)).status, 204);
  t.deepEqual(await request(server, 'DELETE', `${PATH}/1`).then((r) => [r.status, r.text]), [404, "Scheduled delete 1 doesn't exist"]);
  t.is((await request(server, 'DELETE', `${PATH}/x`)).status, 404);
  t.is((await post(server, '{"regex":"c","olderThan":"1w","runAt":23}')).status, 201);
  await server.stop();

  const again = await startServer({ dataDir: server.dataDir });
  const listed = await request(again, 'GET', PATH);
  t.deepEqual(JSON.parse(listed.text), [
    { id: 2, regex: '^tmp', olderThan: '36h', runAt: 0 },
    { id: 3, regex: 'c', olderThan: '1w', runAt: 23 },
  ]);
  t.is((await request(again, 'GET', '/db/none/scheduled_deletes')).status, 400);
  t.is((await request(again, 'GET', PATH, { auth: { u: 'root', p: 'nope' } })).status, 401);
  t.is((await dropDb(again, DB)).status, 204);
  await createDb(again, DB);
  t.deepEqual(await request(again, 'GET', PATH).then((r) => [r.status, r.text]), [200, '[]']);
  t.is(JSON.parse((await post(again, '{"regex":"a","olderThan":"1d","runAt":1}')).text).id, 1);
});

const DAY_S = 86_400;

async function timesOf(server: TestServer, series: string): Promise<number[]> {
  const result = await querySeries(server, DB, `select * from "${series}" where time < 2000000000s order asc`, { time_precision: 's' });
  return result.length === 0 ? [] : (column(result[0]!, 'time') as number[]);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('a scheduled delete runs at its hour on the server clock, once a day, and logs the run', async (t) => {
  // 2026-06-01 03:00:00 UTC in seconds.
  const hour = Date.UTC(2026, 5, 1, 3) / 1000;
  const clockAt = (s: number) => ({ SLUICE_TEST_CLOCK_START: new Date(s * 1000).toISOString() });
  // Twelve seconds of server clock before the hour: time to set everything up on a loaded machine.
  const server = await startServer({ env: clockAt(hour - 12) });
  await createDb(server, DB);
  const old = [hour - 20 * DAY_S, hour - 15 * DAY_S, hour - 10 * DAY_S, hour - DAY_S];
  const points = old.map((time) => [time, 1]);
  await writeOk(
    server,
    DB,
    ['stats.cpu', 'stats.mem', 'other'].map((name) => ({ name, columns: ['time', 'v'], points })),
    { precision: 's' },
  );
  t.is((await post(server, JSON.stringify({ regex: '^stats\\.', olderThan: '14d', runAt: 3 }))).status, 201);
  t.is((await post(server, JSON.stringify({ regex: 'other', olderThan: '1d', runAt: 4 }))).status, 201);
  t.deepEqual(await timesOf(server, 'stats.cpu'), old, 'nothing before the hour');

  await waitFor('the 03:00 run', async () => (await timesOf(server, 'stats.cpu')).length === 2, 30_000);
  const kept = old.slice(2);
  t.deepEqual(await timesOf(server, 'stats.cpu'), kept);
  t.deepEqual(await timesOf(server, 'stats.mem'), kept);
  t.deepEqual(await timesOf(server, 'other'), old, 'another regex, another hour');
  // The run is logged once it has also recorded the day in the metadata, a moment after its deletes show.
  await waitFor('the run logged', async () => /scheduled delete ran/.test(server.output()));

  // Later in the same hour after a restart: already ran today, so an old point written now stays.
  await writeOk(server, DB, [{ name: 'stats.cpu', columns: ['time', 'v'], points: [[hour - 30 * DAY_S, 1]] }], { precision: 's' });
  await server.stop();
  const sameDay = await startServer({ dataDir: server.dataDir, env: clockAt(hour + 600) });
  await sleep(2500);
  t.deepEqual(await timesOf(sameDay, 'stats.cpu'), [hour - 30 * DAY_S, ...kept]);
  await sameDay.stop();

  // The next day at 03:00 it runs again, with the cutoff a day later.
  const nextDay = await startServer({ dataDir: server.dataDir, env: clockAt(hour + DAY_S - 2) });
  await waitFor('the next day\'s run', async () => (await timesOf(nextDay, 'stats.cpu')).length === 2);
  t.deepEqual(await timesOf(nextDay, 'stats.cpu'), kept);
});

test('the longest olderThan runs and deletes everything before its cutoff; the server stays up', async (t) => {
  const hour = Date.UTC(2026, 5, 1, 5) / 1000;
  const server = await startServer({ env: { SLUICE_TEST_CLOCK_START: new Date((hour - 6) * 1000).toISOString() } });
  await createDb(server, DB);
  // The year 1700 and a recent point: 3652425 days before 2026 is before year 0, so both stay.
  await writeOk(server, DB, [{ name: 'far', columns: ['time', 'v'], points: [[-8_520_000_000, 1], [hour - DAY_S, 2]] }], { precision: 's' });
  t.is((await post(server, JSON.stringify({ regex: '^far$', olderThan: '3652425d', runAt: 5 }))).status, 201);
  await waitFor('the 05:00 run', async () => /scheduled delete ran/.test(server.output()), 30_000);
  t.is((await request(server, 'GET', '/ping')).status, 200);
  t.deepEqual(await timesOf(server, 'far'), [-8_520_000_000, hour - DAY_S]);
});
