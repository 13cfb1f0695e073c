/**
 * The shard count is part of the data directory: series are placed by it. A directory keeps the
 * count it was created with when none is set (as on a machine with another number of cores), a
 * conflicting explicit count is refused at start-up, and a directory from before layout.json
 * takes its count from its shard folders.
 */
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createDb, listSeries, querySeries, writeOk, type SeriesInput } from '../helpers/client.js';
import { startRefused } from '../helpers/refused-start.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'layout';
/** Enough series that some hash to different shards under any two shard counts. */
const SERIES = ['cpu', 'mem', 'disk', 'net', 'load', 'swap', 'temp', 'fan'];
/** Never this machine's default, so a restart without --shards really tests the recorded count. */
const RECORDED = availableParallelism() + 1;

function points(from: number, count: number): SeriesInput[] {
  return SERIES.map((name) => ({
    name,
    columns: ['time', 'value'],
    points: Array.from({ length: count }, (_, i) => [1_400_000_000_000 + (from + i) * 1000, from + i]),
  }));
}

/** Every series' values in time order, by series name. */
async function stored(server: TestServer): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const name of SERIES) {
    const [series] = await querySeries(server, DB, `select value from ${name} order asc`);
    result[name] = series?.points.map((point) => point[series.columns.indexOf('value')]) ?? [];
  }
  return result;
}

function expected(count: number): Record<string, unknown[]> {
  return Object.fromEntries(SERIES.map((name) => [name, Array.from({ length: count }, (_, i) => i)]));
}

function recordedLayout(dataDir: string): unknown {
  return JSON.parse(readFileSync(path.join(dataDir, 'layout.json'), 'utf8'));
}

async function serverWithData(): Promise<TestServer> {
  const server = await startServer({ args: ['--shards', String(RECORDED)] });
  await createDb(server, DB);
  await writeOk(server, DB, points(0, 3));
  await server.stop();
  return server;
}

test.serial('a data directory keeps its shard count: another explicit count is refused, none set uses it', async (t) => {
  const first = await serverWithData();
  const dataDir = first.dataDir;
  const conflict = `the shard count is set to ${RECORDED + 1} (--shards, SLUICE_SHARDS or shards in the config file), but data directory ${dataDir} holds ${RECORDED} shards`;
  const byFlag = await startRefused({ dataDir, args: ['--shards', String(RECORDED + 1)] });
  t.regex(byFlag, /exited before listening \(code [1-9]\d*,/);
  t.true(byFlag.includes(conflict), byFlag);
  const byEnv = await startRefused({ dataDir, env: { SLUICE_SHARDS: String(RECORDED + 1) } });
  t.true(byEnv.includes(conflict), byEnv);

  const restarted = await startServer({ dataDir });
  t.true(restarted.output().includes('using the shard count recorded in the data directory'), restarted.output());
  t.deepEqual(await listSeries(restarted, DB), [...SERIES].sort());
  t.deepEqual(await stored(restarted), expected(3));
  await writeOk(restarted, DB, points(3, 2));
  t.deepEqual(await stored(restarted), expected(5), 'new points of each series join its old ones');
  await restarted.stop();
  t.deepEqual(recordedLayout(dataDir), { formatVersion: 1, shards: RECORDED });
});

test.serial('a data directory from before layout.json takes its shard count from its shard folders', async (t) => {
  const first = await serverWithData();
  const dataDir = first.dataDir;
  rmSync(path.join(dataDir, 'layout.json'), { force: true });

  const restarted = await startServer({ dataDir });
  t.deepEqual(await stored(restarted), expected(3));
  await restarted.stop();
  t.deepEqual(recordedLayout(dataDir), { formatVersion: 1, shards: RECORDED });
});
