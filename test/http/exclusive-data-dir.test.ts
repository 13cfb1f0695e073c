/**
 * One process per data directory and per port: a second Sluice on the same data directory, or
 * on a port already taken, exits non-zero with a message saying why and before serving anything,
 * while the first keeps serving; after the holder dies by kill -9 the directory is free at once.
 */
import test from 'ava';
import { createDb, querySeries, request, writeOk } from '../helpers/client.js';
import { freePort, onFreePorts } from '../helpers/free-port.js';
import { startRefused } from '../helpers/refused-start.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'held';
const POINTS = [
  [1_400_000_000_000, 1],
  [1_400_000_001_000, 2],
];

/**
 * A server on a named free port (another one when a parallel test's process took the port
 * first). The first server must be given its port: Linux never shares a port that was picked
 * for a socket by binding port 0, even with SO_REUSEPORT, so only a named port shows the
 * sharing this file is about.
 */
function serverOnFreePort(): Promise<TestServer> {
  return onFreePorts(async () => startServer({ args: ['--port', String(await freePort())] }), 'is in use');
}

async function serverWithData(): Promise<TestServer> {
  const server = await serverOnFreePort();
  await createDb(server, DB);
  await writeOk(server, DB, [{ name: 'cpu', columns: ['time', 'value'], points: POINTS }]);
  return server;
}

async function values(server: TestServer): Promise<unknown[]> {
  const [series] = await querySeries(server, DB, 'select value from cpu order asc');
  return series?.points.map((point) => point[series.columns.indexOf('value')]) ?? [];
}

test.serial('a second server on the same data directory refuses to start and the first keeps serving', async (t) => {
  const first = await serverWithData();
  const failure = await startRefused({ dataDir: first.dataDir });
  t.regex(failure, /exited before listening \(code [1-9]\d*,/);
  t.true(failure.includes(`data directory ${first.dataDir} is in use by another Sluice process (pid ${first.pid})`), failure);

  t.is((await request(first, 'GET', '/ping')).status, 200);
  await writeOk(first, DB, [{ name: 'cpu', columns: ['time', 'value'], points: [[1_400_000_002_000, 3]] }]);
  t.deepEqual(await values(first), [1, 2, 3]);
  await first.stop();
});

test.serial('a second server on a port in use refuses to start instead of sharing the port', async (t) => {
  const first = await serverWithData();
  const failure = await startRefused({ args: ['--port', String(first.port)] });
  t.regex(failure, /exited before listening \(code [1-9]\d*,/);
  t.true(failure.includes(`cannot listen on 127.0.0.1:${first.port}: port ${first.port} is in use`), failure);

  // Every request still reaches the first server: none lands on an empty second one.
  for (let i = 0; i < 20; i++) t.deepEqual(await values(first), [1, 2]);
  await first.stop();
});

test.serial('after the holder is killed with kill -9 the data directory is free at once', async (t) => {
  const first = await serverWithData();
  await first.kill9();
  const startedAt = Date.now();
  const second = await startServer({ dataDir: first.dataDir });
  t.log(`restarted in ${Date.now() - startedAt} ms`);
  t.deepEqual(await values(second), [1, 2]);
  await second.stop();
});
