/**
 * A full disk never loses or corrupts acknowledged data: with the data directory on a small
 * tmpfs filled to the brim, writes the disk refuses answer 507 and leave no trace, a flush the
 * disk refuses changes nothing on disk, /ping names the degraded shard, queries keep
 * answering, and once space is freed the shard recovers by itself; after a restart every
 * acknowledged point reads back exactly once.
 */
import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDb, listDbs, listSeries, querySeries, request, sleep, write, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';
import { waitForManifests } from '../helpers/manifests.js';
import { Filler, mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { shardOf } from '../../src/storage/router.js';

const DB = 'full';
const SERIES = 'disk.full';
const BASE_MS = Date.now() - 86_400_000;

const mounts: Tmpfs[] = [];
test.after.always(async () => {
  await cleanupServers();
  for (const mount of mounts) mount.unmount();
});

/**
 * A server with the database DB, its data directory on a tmpfs of its own; undefined (and
 * logged) where mounting is not allowed.
 */
async function serverOnSmallDisk(t: ExecutionContext, args: string[]): Promise<TestServer | undefined> {
  const mount = mountTmpfs(8);
  if ('unavailable' in mount) {
    t.log(`skipped: ${mount.unavailable}`);
    return undefined;
  }
  mounts.push(mount);
  const server = await startServer({ dataDir: mount.dir, args });
  await createDb(server, DB);
  return server;
}

/** Points with distinct times; `value` is the point's number, so each is recognisable. */
class Points {
  private next = 0;
  readonly acknowledged = new Set<number>();
  readonly refused = new Set<number>();

  async write(server: TestServer, count: number): Promise<HttpResult> {
    const numbers = Array.from({ length: count }, () => this.next++);
    const points = numbers.map((n) => [BASE_MS + n, n]);
    const result = await write(server, DB, [{ name: SERIES, columns: ['time', 'value'], points }], { precision: 'ms' });
    for (const n of numbers) (result.status === 200 ? this.acknowledged : this.refused).add(n);
    return result;
  }
}

async function storedValues(server: TestServer): Promise<number[]> {
  const [series] = await querySeries(server, DB, `select value from ${SERIES} order asc`);
  return (series?.points ?? []).map((point) => point[series!.columns.indexOf('value')] as number);
}

function assertExactlyAcknowledged(t: ExecutionContext, stored: number[], points: Points, when: string): void {
  const missing = [...points.acknowledged].filter((n) => !stored.includes(n));
  t.deepEqual(missing, [], `${when}: acknowledged points missing`);
  t.is(stored.length, new Set(stored).size, `${when}: points stored more than once`);
  t.deepEqual(stored.filter((n) => points.refused.has(n)), [], `${when}: refused points are visible`);
}

function assertRefusedForFullDisk(t: ExecutionContext, result: HttpResult): void {
  t.is(result.status, 507, result.text);
  t.is(result.headers.get('retry-after'), '1');
  t.regex(result.text, /Insufficient storage: .*ENOSPC/);
}

async function ping(server: TestServer): Promise<HttpResult> {
  return request(server, 'GET', '/ping', { auth: null });
}

/** Polls /ping until it answers `status`; returns how long that took. */
async function pingUntil(t: ExecutionContext, server: TestServer, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const result = await ping(server);
    if (result.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      t.fail(`/ping still answers ${result.status} ${result.text} after ${timeoutMs} ms`);
      return Date.now() - started;
    }
    await sleep(100);
  }
}

function assertPingNamesFullShard(t: ExecutionContext, result: HttpResult): void {
  t.is(result.status, 503);
  const body = JSON.parse(result.text) as { status: string; shards: { shard: number; code: string; error: string; since: string }[] };
  t.is(body.status, 'degraded');
  t.is(body.shards.length, 1);
  t.is(body.shards[0]!.shard, 0);
  t.is(body.shards[0]!.code, 'ENOSPC');
  t.regex(body.shards[0]!.error, /ENOSPC/);
}

function shardFiles(dataDir: string, sub: string): string[] {
  return readdirSync(path.join(dataDir, 'shards', '0', sub)).sort();
}

test.serial('a write the full disk refuses answers 507, leaves no trace, and writes resume once space is freed', async (t) => {
  const args = ['--shards', '1'];
  const server = await serverOnSmallDisk(t, args);
  if (server === undefined) return t.pass();
  const dataDir = server.dataDir;
  const points = new Points();
  for (let i = 0; i < 20; i++) t.is((await points.write(server, 200)).status, 200);

  const filler = new Filler(dataDir);
  // The WAL's last page still has room for part of this record: a short write, then ENOSPC.
  assertRefusedForFullDisk(t, await points.write(server, 500));
  assertPingNamesFullShard(t, await ping(server));
  assertRefusedForFullDisk(t, await points.write(server, 1));
  assertExactlyAcknowledged(t, await storedValues(server), points, 'while the disk is full');
  // meta.json cannot be rewritten either: the database is refused, not half-created.
  assertRefusedForFullDisk(t, await request(server, 'POST', '/db', { body: JSON.stringify({ name: 'later' }) }));
  t.deepEqual(await listDbs(server), [DB]);

  filler.remove();
  t.log(`recovered ${await pingUntil(t, server, 200, 10_000)} ms after space was freed`);
  t.is((await ping(server)).text, '{"status":"ok"}');
  for (let i = 0; i < 5; i++) t.is((await points.write(server, 200)).status, 200);

  // A crash now replays the WAL: appends after the refused one must not sit behind its remains.
  await server.kill9();
  const restarted = await startServer({ dataDir, args });
  assertExactlyAcknowledged(t, await storedValues(restarted), points, 'after a crash and restart');
  t.is((await storedValues(restarted)).length, points.acknowledged.size);
  t.is(await restarted.stop(), 0);
});

test.serial('a flush the full disk refuses changes nothing on disk, keeps the data, and is retried', async (t) => {
  // Every write fills the memtable past its limit, so every write is followed by a flush.
  const args = ['--shards', '1', '--memtable-bytes', '1'];
  const server = await serverOnSmallDisk(t, args);
  if (server === undefined) return t.pass();
  const dataDir = server.dataDir;
  const points = new Points();
  for (let i = 0; i < 5; i++) t.is((await points.write(server, 100)).status, 200);
  await pingUntil(t, server, 200, 5_000);
  const manifestPath = path.join(dataDir, 'shards', '0', 'manifest.json');
  // Flushes (and the compaction of their segments) run in the background: wait until all is on disk.
  await waitForManifests(
    dataDir,
    ([manifest]) => {
      const stored = manifest!.segments.flatMap((segment) => segment.entries).reduce((sum, entry) => sum + entry.count, 0);
      return stored === 500 && manifest!.segments.length < 4;
    },
    'every point in a few segments',
  );
  const manifestBefore = readFileSync(manifestPath, 'utf8');
  const segmentsBefore = shardFiles(dataDir, 'segments');

  const filler = new Filler(dataDir);
  // Room for one WAL page: the write is logged and acknowledged, the flush after it is not.
  filler.shrink(4096);
  t.is((await points.write(server, 1)).status, 200);
  await pingUntil(t, server, 503, 5_000);
  assertPingNamesFullShard(t, await ping(server));
  t.is(readFileSync(manifestPath, 'utf8'), manifestBefore, 'a failed flush must not touch the manifest');
  t.deepEqual(shardFiles(dataDir, 'segments'), segmentsBefore, 'a failed flush must leave no segment or temp file');
  assertRefusedForFullDisk(t, await points.write(server, 1));
  assertExactlyAcknowledged(t, await storedValues(server), points, 'after the failed flush');

  filler.remove();
  await pingUntil(t, server, 200, 10_000);
  t.not(readFileSync(manifestPath, 'utf8'), manifestBefore, 'the retried flush records its segment');
  t.is((await points.write(server, 100)).status, 200);

  t.is(await server.stop(), 0);
  const restarted = await startServer({ dataDir, args });
  assertExactlyAcknowledged(t, await storedValues(restarted), points, 'after a restart');
  t.is((await storedValues(restarted)).length, points.acknowledged.size);
  t.is(await restarted.stop(), 0);
});

/** The first series name `prefix.N` that lives on each of `shardCount` shards. */
function seriesOnEachShard(prefix: string, shardCount: number): string[] {
  const names: string[] = [];
  for (let n = 0; names.filter(Boolean).length < shardCount; n++) {
    const name = `${prefix}.${n}`;
    names[shardOf(DB, name, shardCount)] ??= name;
  }
  return names;
}

test.serial('while one shard cannot write, a request that also touches a healthy shard is refused whole', async (t) => {
  const server = await serverOnSmallDisk(t, ['--shards', '2']);
  if (server === undefined) return t.pass();
  const [onFirst, onSecond] = seriesOnEachShard('spread', 2) as [string, string];
  const point = (name: string, value: number) => ({ name, columns: ['value'], points: [[value]] });

  const filler = new Filler(server.dataDir);
  assertRefusedForFullDisk(t, await write(server, DB, [point(onFirst, 1)]));
  // Room for the second shard's part, but not for the first shard's recovery probe.
  filler.shrink(16 * 1024);
  assertRefusedForFullDisk(t, await write(server, DB, [point(onFirst, 2), point(onSecond, 3)]));
  t.deepEqual(await listSeries(server, DB), [], 'no shard may keep part of a refused request');

  filler.remove();
  await pingUntil(t, server, 200, 10_000);
  t.is((await write(server, DB, [point(onFirst, 4), point(onSecond, 5)])).status, 200);
  t.deepEqual((await listSeries(server, DB)).sort(), [onFirst, onSecond].sort());
  t.is(await server.stop(), 0);
});
