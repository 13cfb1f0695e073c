/**
 * Acknowledged means durable (DESIGN.md invariant 4): every write answered 200 survives a
 * SIGKILL mid-load, a graceful restart, and a torn WAL tail — each exactly once.
 */
import test from 'ava';
import { readdir, stat, appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AcknowledgedLoad, assertExactlyOnce, DURABILITY_DB, PointSource, readAll } from '../helpers/acknowledged-points.js';
import { createDb, querySeries, sleep, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = DURABILITY_DB;

test.after.always(cleanupServers);

async function sequenceNumbers(server: TestServer): Promise<number[]> {
  const result = await querySeries(server, DB, 'select * from /^dur\\./');
  return result.flatMap((series) => series.points.map((point) => point[series.columns.indexOf('sequence_number')] as number));
}

test.serial('every acknowledged write survives kill -9 under concurrent load, exactly once', async (t) => {
  // Small memtables flush to segments during the load, so the kill can land mid-flush too.
  const args = ['--memtable-bytes', '64KiB'];
  const server = await startServer({ args });
  await createDb(server, DB);
  const load = new AcknowledgedLoad(() => [server], 4, 25);
  const started = Date.now();
  while (Date.now() - started < 1_500 && load.acknowledged.size < 5_000) await sleep(20);
  await server.kill9();
  await load.stop();
  const { acknowledged, source } = load;

  t.is(load.refused, 0, 'no write may be refused while the server is healthy');
  t.true(acknowledged.size >= 500, `only ${acknowledged.size} points were acknowledged before the kill`);
  t.log(`${acknowledged.size} acknowledged of ${source.issued} sent before kill -9`);

  const restarted = await startServer({ dataDir: server.dataDir, args });
  assertExactlyOnce(t, await readAll(restarted), acknowledged, source.issued);
  await restarted.stop();
});

test.serial('a graceful stop exits 0 and a restart serves the same data', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  const source = new PointSource();
  for (let i = 0; i < 10; i++) await writeOk(server, DB, source.take(100).body, { precision: 'ms' });
  const before = await readAll(server);
  t.is(before.size, 1_000);

  const seqsBefore = await sequenceNumbers(server);

  t.is(await server.stop(), 0, 'SIGTERM must end the server with exit code 0');
  const restarted = await startServer({ dataDir: server.dataDir });
  t.deepEqual(await readAll(restarted), before);

  // The sequence counter is persisted: new points never reuse an earlier identity.
  await writeOk(restarted, DB, source.take(10).body, { precision: 'ms' });
  const seqsAfter = await sequenceNumbers(restarted);
  const newest = seqsAfter.filter((seq) => !seqsBefore.includes(seq));
  t.is(newest.length, 10);
  t.true(Math.min(...newest) > Math.max(...seqsBefore), 'sequence numbers after a restart must exceed earlier ones');
  t.is(await restarted.stop(), 0);
});

/** Every file under `dir`, recursively, with its modification time. */
async function filesUnder(dir: string): Promise<{ file: string; mtimeMs: number; size: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(
    files.map(async (file) => {
      const { mtimeMs, size } = await stat(file);
      return { file, mtimeMs, size };
    }),
  );
}

/** The newest WAL file: under `shards/<n>/wal/`, else any `*.log` or `*.wal` file. */
async function newestWalFile(dataDir: string): Promise<string | undefined> {
  const files = await filesUnder(dataDir);
  const relative = (file: string): string => path.relative(dataDir, file).split(path.sep).join('/');
  const inWalDir = files.filter((f) => /^shards\/[^/]+\/wal\//.test(relative(f.file)));
  const candidates = inWalDir.length > 0 ? inWalDir : files.filter((f) => /\.(log|wal)$/.test(f.file));
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs || b.size - a.size);
  return candidates[0]?.file;
}

test.serial('garbage after the last WAL record is cut on restart without losing acknowledged data', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  const source = new PointSource();
  const acknowledged = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const { body, keys } = source.take(50);
    await writeOk(server, DB, body, { precision: 'ms' });
    for (const key of keys) acknowledged.add(key);
  }
  await server.kill9();

  const wal = await newestWalFile(server.dataDir);
  if (wal === undefined) {
    const layout = (await filesUnder(server.dataDir)).map((f) => path.relative(server.dataDir, f.file));
    t.fail(`no WAL file found under ${server.dataDir}; files: ${JSON.stringify(layout)}`);
    return;
  }
  t.log(`tearing ${path.relative(server.dataDir, wal)}`);
  await appendFile(wal, Buffer.from([0x17, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03]));

  const restarted = await startServer({ dataDir: server.dataDir });
  assertExactlyOnce(t, await readAll(restarted), acknowledged, source.issued);
  t.is((await readAll(restarted)).size, acknowledged.size);

  const { body, keys } = source.take(50);
  await writeOk(restarted, DB, body, { precision: 'ms' });
  for (const key of keys) acknowledged.add(key);
  await restarted.kill9();
  const third = await startServer({ dataDir: server.dataDir });
  assertExactlyOnce(t, await readAll(third), acknowledged, source.issued);
  t.is((await readAll(third)).size, acknowledged.size, 'writes after the cut tail are recovered too');
  await third.stop();
});

test.serial('a manifest rewrite cut short by a crash leaves no temp file behind after restart', async (t) => {
  const server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  const source = new PointSource();
  await writeOk(server, DB, source.take(100).body, { precision: 'ms' });
  await server.kill9();
  // What a kill between writing the new manifest's temp file and renaming it leaves.
  const leftover = path.join(server.dataDir, 'shards', '1', 'manifest.json.tmp-4194305');
  await writeFile(leftover, '{"version":1');

  const restarted = await startServer({ dataDir: server.dataDir, args: ['--shards', '2'] });
  const shardFiles = await readdir(path.dirname(leftover));
  t.deepEqual(shardFiles.filter((name) => name.includes('.tmp')), [], 'start-up removes the abandoned temp file');
  t.is((await readAll(restarted)).size, 100);
  await restarted.stop();
});
