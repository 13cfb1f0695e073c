/**
 * A write request that spans shards is kept whole or not at all: a crash after one shard
 * logged its part and before another did must not leave the first part behind (a client
 * retry would then duplicate it). The crash is reproduced on disk: the second shard's WAL
 * loses the request's record, exactly as if the process died before that append.
 */
import test from 'ava';
import { readdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { shardOf } from '../../src/storage/router.js';
import { createDb, querySeries, sleep, writeOk, type SeriesInput } from '../helpers/client.js';
import { segmentRows, waitForManifests } from '../helpers/manifests.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'atomic';
const ARGS = ['--shards', '2', '--flush-idle-ms', '3600000'];
const BASE_MS = Date.now() - 3_600_000;

/** Two series names owned by different shards. */
function seriesOnBothShards(): [string, string] {
  const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
  const first = names.find((n) => shardOf(DB, n, 2) === 0)!;
  const second = names.find((n) => shardOf(DB, n, 2) === 1)!;
  return [first, second];
}

function request(series: readonly string[], offset: number): SeriesInput[] {
  return series.map((name) => ({ name, columns: ['time', 'value'], points: [[BASE_MS + offset, offset]] }));
}

/** Byte offset where the last record of a WAL file starts (records: u32 length, u32 crc, payload). */
async function lastRecordStart(file: string): Promise<number> {
  const bytes = await readFile(file);
  let at = 0;
  let last = -1;
  while (at + 8 <= bytes.length) {
    last = at;
    at += 8 + bytes.readUInt32LE(at);
  }
  return last;
}

async function newestWalFile(dataDir: string, shard: number): Promise<string> {
  const dir = path.join(dataDir, 'shards', String(shard), 'wal');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  for (const file of files.reverse()) {
    const full = path.join(dir, file);
    if ((await lastRecordStart(full)) >= 0) return full;
  }
  throw new Error(`no WAL record in ${dir}`);
}

/**
 * Two requests over both shards, then the crash: the second one's record is missing from b's
 * shard, as if the process died before that append. Returns the series and the data directory.
 */
async function crashWithSecondRequestOnOneShard(): Promise<{ a: string; b: string; dataDir: string }> {
  const [a, b] = seriesOnBothShards();
  const server = await startServer({ args: ARGS });
  await createDb(server, DB);
  await writeOk(server, DB, request([a, b], 1), { precision: 'ms' });
  await writeOk(server, DB, request([a, b], 2), { precision: 'ms' });
  await server.kill9();
  const wal = await newestWalFile(server.dataDir, shardOf(DB, b, 2));
  await truncate(wal, await lastRecordStart(wal));
  return { a, b, dataDir: server.dataDir };
}

async function valuesBySeries(server: TestServer): Promise<Record<string, unknown[]>> {
  const result = await querySeries(server, DB, `select value from /^s/ order asc`, { time_precision: 'ms' });
  return Object.fromEntries(result.map((s) => [s.name, s.points.map((p) => p[s.columns.indexOf('value')])]));
}

test('a request one shard never logged is dropped whole after a crash', async (t) => {
  const { a, b, dataDir } = await crashWithSecondRequestOnOneShard();
  const restarted = await startServer({ dataDir, args: ARGS });
  t.deepEqual(await valuesBySeries(restarted), { [a]: [1], [b]: [1] }, 'the first request whole, nothing of the second');
  await restarted.stop();
});

test('points sit in the WAL only until the shard has been idle for flush_idle_ms', async (t) => {
  const server = await startServer({ args: ['--shards', '2', '--flush-idle-ms', '300'] });
  await createDb(server, DB);
  await writeOk(server, DB, request(['idle'], 1), { precision: 'ms' });
  const walDir = path.join(server.dataDir, 'shards', String(shardOf(DB, 'idle', 2)), 'wal');
  const walBytes = async (): Promise<number> => {
    let bytes = 0;
    // The flush removes a file between the listing and the read: a file gone holds nothing.
    for (const file of await readdir(walDir)) bytes += (await readFile(path.join(walDir, file)).catch(() => Buffer.alloc(0))).length;
    return bytes;
  };
  // The flush writes the segment and manifest, then empties the WAL: wait for the last step.
  await waitForManifests(server.dataDir, (m) => segmentRows(m, 'idle') === 1, 'the idle flush');
  const deadline = Date.now() + 10_000;
  while ((await walBytes()) > 0 && Date.now() < deadline) await sleep(50);
  t.is(await walBytes(), 0, 'nothing left in the WAL');
  const [series] = await querySeries(server, DB, 'select value from idle');
  t.is(series?.points.length, 1);
  await server.stop();
});

test('a request replayed on one shard stays whole after that shard flushes at recovery and the server crashes again', async (t) => {
  // Recovery leaves the second request out on a's shard and flushes at once, moving that
  // shard's checkpoint past the first request too; b's shard flushes nothing.
  const { a, b, dataDir } = await crashWithSecondRequestOnOneShard();
  const recovered = await startServer({ dataDir, args: ARGS });
  await recovered.kill9();

  // The next recovery must not mistake the first request's flushed record for a missing one.
  const restarted = await startServer({ dataDir, args: ARGS });
  t.deepEqual(await valuesBySeries(restarted), { [a]: [1], [b]: [1] }, 'the first request whole on both shards');
  await restarted.stop();
});
