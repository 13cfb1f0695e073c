/**
 * The shard-thread half of `select * from /.*\/ limit 1` (Q6 of bench/query) alone: one
 * shard's 500 series × 10,000 points flushed to a segment, then a scan that opens every
 * series, takes its newest block from the block cache and writes its last row. Most of the
 * work is per series, not per point, so the figure is µs per series: CPU time, the best of
 * ROUNDS rounds, on one core. bench/query's Q6 runs two such shards.
 *
 * Run: npm run build && node dist/bench/last-points.js   (SERIES=500 ROUNDS=15)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Shard } from '../src/storage/shard.js';
import type { ScanRequest } from '../src/operators/scan-cursor.js';
import { ShardCursors } from '../src/operators/shard-cursors.js';
import { encodeWriteBatch } from '../src/storage/write-batch.js';
import { byteOrder } from '../src/util/byte-order.js';
import { benchSeries } from './lib/series-columns.js';
import { bestNanos } from './lib/timing.js';

const SERIES = Number(process.env.SERIES ?? 500);
const POINTS = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const DB = 'bench';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-last-points-'));
try {
  const shard = new Shard(
    { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 128 << 20, degradedFlag: new Int32Array(1) },
    () => undefined,
  );
  await shard.recover(new Set(), []);
  const names: string[] = [];
  for (let s = 0; s < SERIES; s++) {
    const rows = benchSeries(s, POINTS);
    names.push(rows.series);
    await shard.write([encodeWriteBatch(DB, [rows])], [{ txn: s + 1, participants: 1, base: 1 }]);
  }
  shard.advance({ resolvedBelow: SERIES + 1, aborted: [], committed: [] });
  await shard.flush();
  names.sort(byteOrder);

  const cursors = new ShardCursors(shard);
  const request: ScanRequest = {
    db: DB,
    series: names,
    startUs: -Infinity,
    endUs: Infinity,
    fields: '*',
    order: 'desc',
    where: undefined,
    whereColumns: [],
    limit: 1,
    precision: 'ms',
    pointsPerObject: 100,
    pointsPerPage: 20_000,
    rowIndent: null,
  };
  let rows = 0;
  const nanos = bestNanos(() => {
    const cursor = cursors.openScan(request);
    const page = cursors.nextPage(cursor);
    rows = page.objects.length;
    cursors.close(cursor);
  }, 20, ROUNDS);
  if (rows !== SERIES) throw new Error(`expected ${SERIES} series objects, got ${rows}`);
  console.log(`${SERIES} series × ${POINTS} points, last point of each: ${(nanos / 1e6).toFixed(2)} ms, ${(nanos / SERIES / 1e3).toFixed(2)} µs/series`);
  await shard.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
