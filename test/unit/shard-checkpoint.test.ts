/**
 * Cluster failover's storage side: a live shard's checkpoint (its segments, their manifest and
 * how far into the partition's stream they reach) adopted by a shard of another node's storage,
 * which then holds exactly that data and goes on from the checkpoint's position.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { stageCheckpoint } from '../../src/storage/checkpoint-adoption.js';
import type { ManifestDocument } from '../../src/storage/manifest.js';
import type { ShardCheckpoint } from '../../src/storage/shard-checkpoint.js';
import type { Storage } from '../../src/shards/storage.js';
import { copyCheckpoint, DB, openStorage, rowsOf, runAndKill, seriesOf, tempDir, writeMessage, type Message } from '../helpers/checkpoint-fixtures.js';

function shardDir(dataDir: string): string {
  return path.join(dataDir, 'shards', '0');
}

async function readShardManifest(dataDir: string): Promise<ManifestDocument> {
  return JSON.parse(await readFile(path.join(shardDir(dataDir), 'manifest.json'), 'utf8')) as ManifestDocument;
}

async function writeAll(storage: Storage, messages: readonly Message[], flushAfterEach = false): Promise<void> {
  for (const message of messages) {
    await writeMessage(storage, message);
    if (flushAfterEach) await storage.shards[0]!.flush();
  }
}

/** A storage that got every message directly: what an adopting one must hold in the end. */
async function reference(t: Parameters<typeof tempDir>[0], messages: readonly Message[]): Promise<{ rows: string; series: string[] }> {
  const storage = await openStorage(await tempDir(t));
  try {
    await writeAll(storage, messages);
    const series = await seriesOf(storage);
    return { rows: await rowsOf(storage, series), series };
  } finally {
    await storage.close();
  }
}

const FIRST: Message[] = [
  { seq: 1, series: 'cpu', first: 0, points: 3000 },
  { seq: 2, series: 'mem', first: 0, points: 500 },
  { seq: 3, series: 'cpu', first: 3000, points: 2000 },
];

/** A storage that stored FIRST, flushing after each, exported its checkpoint into `dir`. */
async function exportedCheckpoint(t: Parameters<typeof tempDir>[0]): Promise<{ checkpoint: ShardCheckpoint; dir: string }> {
  const source = await openStorage(await tempDir(t));
  await writeAll(source, FIRST, true);
  const { checkpoint, release } = await source.shards[0]!.takeCheckpoint();
  const dir = await tempDir(t);
  await copyCheckpoint(checkpoint, dir);
  await release();
  await source.close();
  return { checkpoint, dir };
}

test('a checkpoint adopted by another storage answers every row with its sequence numbers, and resumes after its position', async (t) => {
  const sourceDir = await tempDir(t);
  const source = await openStorage(sourceDir);
  await writeAll(source, FIRST.slice(0, 2), true);
  await writeAll(source, FIRST.slice(2));
  await source.shards[0]!.flush();
  const { checkpoint, release } = await source.shards[0]!.takeCheckpoint();
  t.is(checkpoint.position, 3);
  const exported = JSON.parse(checkpoint.manifest) as ManifestDocument;
  const local = await readShardManifest(sourceDir);
  t.true(local.walCheckpoint > 1 && (local.flushedBelow ?? 0) > 1, 'the source has node-local WAL and transaction marks to reset');
  t.like(exported, { walCheckpoint: 0, logApplied: 3, logInSegments: 3 });
  t.false('flushedBelow' in exported || 'flushedAbove' in exported || 'failedTxns' in exported);
  t.deepEqual(checkpoint.files.map((f) => f.name), local.segments.map((s) => s.file));
  const sourceRows = await rowsOf(source, ['cpu', 'mem']);

  const dir = await tempDir(t);
  await copyCheckpoint(checkpoint, dir);
  await release();
  await source.close();

  const target = await openStorage(await tempDir(t));
  t.deepEqual(await target.shards[0]!.adoptCheckpoint(dir), { logApplied: 3 });
  t.deepEqual(await seriesOf(target), ['cpu', 'mem']);
  t.is(await rowsOf(target, ['cpu', 'mem']), sourceRows);
  // The next message's predecessor is the position: the shard takes it.
  await writeMessage(target, { seq: 4, series: 'mem', first: 500, points: 10 });
  const expected = await reference(t, [...FIRST, { seq: 4, series: 'mem', first: 500, points: 10 }]);
  t.is(await rowsOf(target, ['cpu', 'mem']), expected.rows);
  await target.close();
});

test('a transaction still unresolved when the flush froze keeps the position below its message', async (t) => {
  const sourceDir = await tempDir(t);
  const source = await openStorage(sourceDir);
  await writeMessage(source, FIRST[0]!);
  // The flush is queued with the status of this moment, when message 2's transaction is open:
  // its batch is logged again in the new WAL file, not written to the segment.
  const second = writeMessage(source, FIRST[1]!);
  const flushed = source.shards[0]!.flush();
  await Promise.all([second, flushed]);
  t.like(await readShardManifest(sourceDir), { logApplied: 2, logInSegments: 1 }, 'message 2 is only in the WAL');
  const { checkpoint, release } = await source.shards[0]!.takeCheckpoint();
  t.is(checkpoint.position, 1);
  const dir = await tempDir(t);
  await copyCheckpoint(checkpoint, dir);
  await release();
  await source.close();

  const target = await openStorage(await tempDir(t));
  const { logApplied } = await target.shards[0]!.adoptCheckpoint(dir);
  t.is(logApplied, 1);
  // (The catalog may list `mem` already: it committed while the flush was writing.)
  t.is(await rowsOf(target, ['cpu']), (await reference(t, FIRST.slice(0, 1))).rows);
  // Replaying the stream after the position, as the new owner does, brings what the segments lacked.
  for (const message of FIRST.slice(0, 2)) if (message.seq > logApplied) await writeMessage(target, message);
  t.is(await rowsOf(target, ['cpu', 'mem']), (await reference(t, FIRST.slice(0, 2))).rows);
  await target.close();
});

test('a delete logged before the position travels with the checkpoint, also past a restart', async (t) => {
  // Message 3 is a delete command between writes: the segments written before it still hold the rows.
  const run = async (storage: Storage): Promise<void> => {
    await writeAll(storage, FIRST.slice(0, 2), true);
    await storage.shards[0]!.deleteSeries({ db: DB, names: ['cpu'], regex: undefined, startUs: 1000, endUs: 2500, drop: false });
    await writeMessage(storage, { seq: 4, series: 'cpu', first: 5000, points: 100 }, 2);
    await storage.shards[0]!.flush();
  };
  const source = await openStorage(await tempDir(t));
  await run(source);
  const { checkpoint, release } = await source.shards[0]!.takeCheckpoint();
  t.is(checkpoint.position, 4);
  const dir = await tempDir(t);
  await copyCheckpoint(checkpoint, dir);
  await release();
  const sourceRows = await rowsOf(source, ['cpu', 'mem']);
  await source.close();
  t.is(sourceRows.match(/\],\[/g)?.length, 3000 - 1500 + 500 + 100 - 2, 'the delete removed 1500 rows');

  const dataDir = await tempDir(t);
  let target = await openStorage(dataDir);
  await target.shards[0]!.adoptCheckpoint(dir);
  t.is(await rowsOf(target, ['cpu', 'mem']), sourceRows);
  await target.close();
  target = await openStorage(dataDir);
  t.is(await rowsOf(target, ['cpu', 'mem']), sourceRows);
  await target.close();
});

test('after adoption, later messages, flushes, a compaction, a kill -9 and restarts keep every row', async (t) => {
  const { checkpoint, dir } = await exportedCheckpoint(t);

  // Killed right after the first message past the position: it is only in the new WAL.
  const first: Message = { seq: 4, series: 'disk', first: 0, points: 300 };
  const dataDir = await tempDir(t);
  await runAndKill({ dataDir, adopt: dir, messages: [first] });
  let target = await openStorage(dataDir);
  t.deepEqual(target.logAppliedAtStart, [4]);
  const soFar = await reference(t, [...FIRST, first]);
  t.is(await rowsOf(target, soFar.series), soFar.rows);
  await target.close();

  // Same-sized flushes make a run that compaction merges with the adopted segments; the last
  // messages are only in the WAL when the process is killed again.
  const later: (Message & { flush?: boolean })[] = [];
  for (let seq = 5; seq <= 10; seq++) later.push({ seq, series: seq % 2 === 0 ? 'cpu' : 'disk', first: seq * 10_000, points: 2000, flush: seq <= 8 });
  await runAndKill({ dataDir, messages: later });
  const expected = await reference(t, [...FIRST, first, ...later]);

  target = await openStorage(dataDir);
  t.deepEqual(target.logAppliedAtStart, [10]);
  t.deepEqual(await seriesOf(target), expected.series);
  t.is(await rowsOf(target, expected.series), expected.rows);
  const adoptedFiles = checkpoint.files.map((f) => f.name);
  const stillListed = async (): Promise<boolean> => (await readShardManifest(dataDir)).segments.some((s) => adoptedFiles.includes(s.file));
  for (let waited = 0; (await stillListed()) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  t.false(await stillListed(), 'the adopted segments were compacted with new ones');
  await target.close();

  target = await openStorage(dataDir);
  t.is(await rowsOf(target, expected.series), expected.rows);
  await target.close();
});

test('a compaction while a checkpoint is held leaves its files until it is released', async (t) => {
  const dataDir = await tempDir(t);
  const storage = await openStorage(dataDir);
  const messages: Message[] = [1, 2, 3, 4].map((seq) => ({ seq, series: 'cpu', first: seq * 10_000, points: 2000 }));
  await writeAll(storage, messages.slice(0, 3), true);
  const { checkpoint, release } = await storage.shards[0]!.takeCheckpoint();
  t.is(checkpoint.files.length, 3);
  // The fourth same-sized segment makes a run of four: compaction merges and retires them all.
  await writeAll(storage, messages.slice(3), true);
  for (let waited = 0; (await readShardManifest(dataDir)).segments.length > 1 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  const listed = (await readShardManifest(dataDir)).segments.map((s) => s.file);
  t.is(listed.length, 1, 'compacted into one file');
  for (const file of checkpoint.files) {
    t.false(listed.includes(file.name));
    t.is((await readFile(file.path)).byteLength, file.bytes, `${file.name} is still whole`);
  }
  // What the files hold is the checkpoint's data: another storage adopts it from them.
  const dir = await tempDir(t);
  await copyCheckpoint(checkpoint, dir);
  await t.throwsAsync(storage.shards[0]!.adoptCheckpoint(dir), { message: /still held/ }, 'an upload may still be reading the files');
  await release();
  await storage.shards[0]!.flush();
  for (const file of checkpoint.files) t.false(existsSync(file.path), `${file.name} left the disk once released`);
  await storage.close();
  const target = await openStorage(await tempDir(t));
  t.deepEqual(await target.shards[0]!.adoptCheckpoint(dir), { logApplied: 3 });
  t.is(await rowsOf(target, ['cpu']), (await reference(t, messages.slice(0, 3))).rows);
  await target.close();
});

test('adopting over stale data leaves only the checkpoint\'s rows, also after a restart', async (t) => {
  const { dir } = await exportedCheckpoint(t);

  // An earlier time this node owned the partition: segments, and messages only in the WAL.
  const dataDir = await tempDir(t);
  let target = await openStorage(dataDir);
  await writeAll(target, [{ seq: 1, series: 'cpu', first: 100_000, points: 700 }, { seq: 2, series: 'stale', first: 0, points: 50 }], true);
  await writeAll(target, [{ seq: 3, series: 'cpu', first: 200_000, points: 300 }, { seq: 4, series: 'old', first: 0, points: 20 }]);
  t.deepEqual(await target.shards[0]!.adoptCheckpoint(dir), { logApplied: 3 });
  const expected = await reference(t, FIRST);
  t.deepEqual(await seriesOf(target), expected.series);
  t.is(await rowsOf(target, expected.series), expected.rows);
  await target.close();
  target = await openStorage(dataDir);
  t.deepEqual(target.logAppliedAtStart, [3]);
  t.deepEqual(await seriesOf(target), expected.series);
  t.is(await rowsOf(target, expected.series), expected.rows);
  await target.close();
});

test('writes queued behind an adoption are applied to the adopted state', async (t) => {
  const { dir } = await exportedCheckpoint(t);

  // A compaction of the old state is running when the adoption arrives: the thread waits for
  // it, and takes other messages meanwhile, which must not be the writes queued behind.
  const target = await openStorage(await tempDir(t));
  const old: Message[] = [1, 2, 3, 4].map((seq) => ({ seq, series: 'gone', first: seq * 100_000, points: 100_000 }));
  await writeAll(target, old, true);
  const before = writeMessage(target, { seq: 5, series: 'gone', first: 0, points: 10 });
  const adopted = target.shards[0]!.adoptCheckpoint(dir);
  const next: Message[] = [4, 5, 6].map((seq) => ({ seq, series: 'cpu', first: seq * 10_000, points: 100 }));
  const after = next.map((message) => writeMessage(target, message));
  await before;
  t.deepEqual(await adopted, { logApplied: 3 });
  await Promise.all(after);
  const expected = await reference(t, [...FIRST, ...next]);
  t.deepEqual(await seriesOf(target), expected.series);
  t.is(await rowsOf(target, expected.series), expected.rows);
  await target.close();
});

test('a checkpoint that cannot be used leaves the shard as it was', async (t) => {
  const { checkpoint, dir } = await exportedCheckpoint(t);
  await rm(path.join(dir, 'segments', checkpoint.files[1]!.name));
  const target = await openStorage(await tempDir(t));
  const old: Message[] = [{ seq: 1, series: 'old', first: 0, points: 40 }];
  await writeAll(target, old);
  await t.throwsAsync(target.shards[0]!.adoptCheckpoint(dir), { message: /ENOENT/ });
  await writeMessage(target, { seq: 2, series: 'old', first: 40, points: 10 });
  const expected = await reference(t, [...old, { seq: 2, series: 'old', first: 40, points: 10 }]);
  t.is(await rowsOf(target, expected.series), expected.rows);
  await target.close();
});

test('a crash at any step of the swap leaves the old state or the new one', async (t) => {
  const { dir } = await exportedCheckpoint(t);
  const adopted = await reference(t, FIRST);
  const oldMessages: Message[] = [{ seq: 1, series: 'old', first: 0, points: 40 }];
  const old = await reference(t, oldMessages);

  /** A node with old data, stopped, with the swap interrupted by `crash`; then started again. */
  const startAfter = async (crash: (shard: string) => Promise<void>): Promise<{ rows: string; series: string[] }> => {
    const dataDir = await tempDir(t);
    const storage = await openStorage(dataDir);
    await writeAll(storage, oldMessages);
    await storage.close();
    await crash(shardDir(dataDir));
    const restarted = await openStorage(dataDir);
    const series = await seriesOf(restarted);
    const rows = await rowsOf(restarted, series);
    await restarted.close();
    t.deepEqual(await readdir(path.join(dataDir, 'shards')), ['0'], 'nothing of the swap is left beside the shard');
    return { rows, series };
  };
  // Copying: an incomplete staging is dropped.
  t.deepEqual(
    await startAfter(async (shard) => {
      stageCheckpoint(dir, shard);
      await rename(`${shard}.adopted`, `${shard}.adopting`);
    }),
    old,
  );
  // Staged, nothing swapped yet: the swap is finished at start.
  t.deepEqual(await startAfter(async (shard) => stageCheckpoint(dir, shard)), adopted);
  // The old state moved aside, the new one not yet in place.
  t.deepEqual(
    await startAfter(async (shard) => {
      stageCheckpoint(dir, shard);
      await rename(shard, `${shard}.replaced`);
    }),
    adopted,
  );
  // Swapped, the old state not yet removed.
  t.deepEqual(
    await startAfter(async (shard) => {
      stageCheckpoint(dir, shard);
      await rename(shard, `${shard}.replaced`);
      await rename(`${shard}.adopted`, shard);
    }),
    adopted,
  );
});
