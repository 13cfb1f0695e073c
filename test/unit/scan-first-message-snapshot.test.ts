/**
 * A scan opened with its first page in one message snapshots each series only when the page
 * reaches it, since nothing else runs on the shard's thread meanwhile. The series that page
 * leaves unread must be snapshotted before the message ends: rows written after the scan
 * opened may not show up in its later pages.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import type { Page, ScanRequest } from '../../src/operators/scan-cursor.js';
import { ShardCursors } from '../../src/operators/shard-cursors.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const ONE_SHARD = 0b1;

function batch(series: string, first: number, points: number): Uint8Array {
  const value = allocateColumn('value', points);
  for (let i = 0; i < points; i++) [value.kinds[i], value.floats[i]] = [ValueKind.Float, first + i];
  const time = Float64Array.from({ length: points }, (_, i) => (first + i) * 1_000_000);
  return encodeWriteBatch('db', [{ series, count: points, time, seq: new Float64Array(points), columns: [value] }]);
}

function rowsOf(page: Page): Record<string, number> {
  return Object.fromEntries(page.objects.map((object) => [object.name, object.count]));
}

test('the series the first page left unread are read as they were when the scan opened', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 1 << 20, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  let txn = 0;
  const write = async (bytes: Uint8Array): Promise<void> => {
    txn++;
    await shard.write([bytes], [{ txn, participants: ONE_SHARD, base: txn * 1_000_000 }]);
    shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
  };
  // `a` and `b` in a segment, `c` in the memtable.
  await write(batch('a', 0, 5));
  await write(batch('b', 0, 5));
  await shard.flush();
  await write(batch('c', 0, 5));

  const request: ScanRequest = {
    db: 'db',
    series: ['a', 'b', 'c'],
    startUs: -Infinity,
    endUs: Infinity,
    fields: '*',
    order: 'asc',
    where: undefined,
    whereColumns: [],
    limit: 0,
    precision: 's',
    pointsPerObject: 100,
    // The first page ends after `a`.
    pointsPerPage: 5,
    rowIndent: null,
  };
  const cursors = new ShardCursors(shard);
  const { cursorId, page } = cursors.openScanWithPage(request, (id) => cursors.nextPage(id));
  t.deepEqual(rowsOf(page), { a: 5 });
  t.false(page.done);

  // After the message: more rows for every series, one flushed to a segment.
  await write(batch('b', 5, 3));
  await shard.flush();
  await write(batch('c', 5, 3));
  await write(batch('a', 5, 3));

  const rest: Record<string, number> = {};
  for (;;) {
    const next = cursors.nextPage(cursorId);
    Object.assign(rest, rowsOf(next));
    if (next.done) break;
  }
  t.deepEqual(rest, { b: 5, c: 5 }, 'the rows written after the scan opened are not in it');
  // A scan opened now sees them.
  const now = cursors.openScanWithPage({ ...request, pointsPerPage: 100 }, (id) => cursors.nextPage(id));
  t.deepEqual(rowsOf(now.page), { a: 8, b: 8, c: 8 });
  await shard.close();
});
