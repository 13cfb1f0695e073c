/**
 * One-shard storages fed as a partition owner feeds them (each write a stream message with its
 * sequence), for the checkpoint tests: real Storage, real shard threads, temp data dirs.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSettings } from '../../src/config.js';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import type { ShardCheckpoint } from '../../src/storage/shard-checkpoint.js';
import { Storage } from '../../src/shards/storage.js';
import type { LogBatchEncoding } from '../../src/storage/log-batch-encoding.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';
import { deflateBatch } from '../../src/storage/write-batch-deflate.js';
import { PACKED_BATCH_ENCODING, packBatch } from '../../src/storage/write-batch-pack.js';

export const DB = 'db';

/** One stream message: `points` rows of `series` from time `first`, sequence numbers from ordinal `seq * 1e6`. */
export interface Message {
  readonly seq: number;
  readonly series: string;
  readonly first: number;
  readonly points: number;
  /** The batch as the log carries it, encoded this way (as it comes from a front end); otherwise as it is. */
  readonly encoding?: LogBatchEncoding;
}

export function openStorage(dataDir: string): Promise<Storage> {
  const settings = { ...defaultSettings(), dataDir, walFsync: 'never' as const, flushIdleMs: 3_600_000, blockCacheBytes: 0, logLevel: 'silent' };
  return Storage.open(settings, { formatVersion: 1, shards: 1 }, [DB]);
}

/** Logs the message as the partition's owner would, after message `prev`. */
export function writeMessage(storage: Storage, message: Message, prev = message.seq - 1): Promise<void> {
  const { seq, series, first, points } = message;
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, seq * 1000 + i];
  const time = Float64Array.from({ length: points }, (_, i) => first + i);
  // Numbered by the shard from the message's base, as the server numbers a write's points.
  const unnumbered = Float64Array.from({ length: points }, (_, i) => -(i + 1));
  const bytes = encodeWriteBatch(DB, [{ series, count: points, time, seq: unnumbered, columns: [value] }]);
  if (message.encoding === undefined) return storage.write([bytes.slice().buffer], seq * 1_000_000, { seq, prev });
  const payload = message.encoding === PACKED_BATCH_ENCODING ? packBatch(bytes)! : deflateBatch(bytes);
  return storage.write([payload.slice().buffer], seq * 1_000_000, { seq, prev, decoded: { encoding: message.encoding, rawBytes: bytes.length } });
}

/** Every row of the series, as the shard encodes them (times, sequence numbers, values). */
export async function rowsOf(storage: Storage, series: string[]): Promise<string> {
  const shard = storage.shards[0]!;
  const request = {
    db: DB, series, startUs: -Infinity, endUs: Infinity, fields: '*' as const, order: 'asc' as const, where: undefined, whereColumns: [],
    limit: 0, precision: 'u' as const, pointsPerObject: 1_000_000, pointsPerPage: 1_000_000, rowIndent: null,
  };
  const first = await shard.openScanWithPage(request);
  if (first.page instanceof Error) throw first.page;
  let page = first.page;
  let text = '';
  for (;;) {
    text += JSON.stringify(page.objects.map(({ name, columns, count }) => ({ name, columns, count }))) + Buffer.from(page.body).toString('utf8');
    if (page.done) return text;
    page = await shard.nextPage(first.cursorId);
  }
}

export async function seriesOf(storage: Storage): Promise<string[]> {
  return storage.listSeries(DB);
}

/** What the store would download: the manifest and the files, in the layout adoptCheckpoint reads. */
export async function copyCheckpoint(checkpoint: ShardCheckpoint, dir: string): Promise<void> {
  await mkdir(path.join(dir, 'segments'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), checkpoint.manifest);
  for (const file of checkpoint.files) await copyFile(file.path, path.join(dir, 'segments', file.name));
}

const NODE_SCRIPT = fileURLToPath(new URL('./checkpoint-node.js', import.meta.url));

/** A temporary directory, removed when the test ends. */
export async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-checkpoint-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a node in a child process until it has stored `messages`, then kills it with SIGKILL. */
export async function runAndKill(plan: { dataDir: string; adopt?: string; messages: (Message & { flush?: boolean })[] }): Promise<void> {
  const child = spawn(process.execPath, [NODE_SCRIPT, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('stored\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`checkpoint node exited with ${code} before storing`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

