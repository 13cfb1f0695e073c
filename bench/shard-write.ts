/**
 * A shard's write path alone, as the peer bench's ingest drives it: write batches of 500
 * series × 5 points (one shard's half of a 5000-point request, time-major), arriving shuffled
 * within windows of 8 as from 8 concurrent connections (WINDOW=1: in order), each logged
 * (`wal_fsync = never`, so the disk is out of the figure), committed, and sealed into the
 * memtable every 8 MiB of batches as the server does. Prints CPU time per point and the time
 * V8's collector paused the thread, whose main cost used to be objects kept per series per
 * batch until the seal.
 *
 * SWEEP_MB=32 sweeps that much memory between batches (not timed), as the other threads that
 * share a shard's core do in the server: the series' state is then out of cache at every batch.
 *
 * Run: npm run build && node dist/bench/shard-write.js   (BATCHES=2000 ROUNDS=3 TAGGED=0|1 SWEEP_MB=0)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { allocateColumn, constantStringColumn, ValueKind, type SeriesColumns } from '../src/storage/columns.js';
import { Shard } from '../src/storage/shard.js';
import { encodeWriteBatch } from '../src/storage/write-batch.js';
import { cacheSweeper } from './lib/cache-sweep.js';
import { valueHundredths } from './lib/peer-workload.js';

const SERIES = 500;
const POINTS_PER_SERIES = 5;
const BATCHES = Number(process.env.BATCHES ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WINDOW = Number(process.env.WINDOW ?? 8);
/** TAGGED=1: each series also has a line-protocol tag, written as the parser writes it (a constant column). */
const TAGGED = process.env.TAGGED === '1';
const START_US = 1_700_000_000e6;
const sweepCaches = cacheSweeper(Number(process.env.SWEEP_MB ?? 0));

/** Batch b: points 5b…5b+4 of every series, 10 s apart; sequence numbers left to the shard. */
function batchOf(b: number): Uint8Array {
  const series: SeriesColumns[] = [];
  for (let s = 0; s < SERIES; s++) {
    const time = new Float64Array(POINTS_PER_SERIES);
    const seq = new Float64Array(POINTS_PER_SERIES);
    const value = allocateColumn('value', POINTS_PER_SERIES);
    for (let i = 0; i < POINTS_PER_SERIES; i++) {
      const p = b * POINTS_PER_SERIES + i;
      time[i] = START_US + p * 10e6;
      seq[i] = -(s * POINTS_PER_SERIES + i + 1);
      value.floats[i] = valueHundredths(s, p) / 100;
      value.kinds[i] = ValueKind.Float;
    }
    const columns = TAGGED ? [value, constantStringColumn('host', `host${s}`, POINTS_PER_SERIES)] : [value];
    series.push({ series: TAGGED ? `cpu,host=host${s}` : `cpu.host${s}`, count: POINTS_PER_SERIES, time, seq, columns });
  }
  return encodeWriteBatch('bench', series);
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** 0…count−1, each window of `window` in a shuffled order (the same every run). */
function arrivalOrder(count: number, window: number): number[] {
  const order = Array.from({ length: count }, (_, b) => b);
  let random = 12345;
  for (let start = 0; start < count; start += window) {
    for (let i = Math.min(start + window, count) - 1; i > start; i--) {
      random = (Math.imul(random, 1103515245) + 12345) >>> 0;
      const j = start + (random % (i - start + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  return order;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

const points = BATCHES * SERIES * POINTS_PER_SERIES;
for (let round = 1; round <= ROUNDS; round++) {
  // Fresh batches each round: the shard frees each batch's memory once its rows are sealed.
  const batches = arrivalOrder(BATCHES, WINDOW).map(batchOf);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-shard-write-'));
  try {
    const shard = new Shard(
      { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) },
      () => undefined,
    );
    await shard.recover(new Set(), []);
    // Observer entries arrive a timer later: let those of making the batches pass first.
    await settle();
    gcMs = 0;
    let sweptMicros = 0;
    const start = process.cpuUsage();
    for (let b = 0; b < BATCHES; b++) {
      sweptMicros += sweepCaches();
      const txn = b + 1;
      await shard.write([batches[b]!], [{ txn, participants: 1, base: 1 + b * SERIES * POINTS_PER_SERIES }]);
      shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
    }
    const used = process.cpuUsage(start);
    await settle();
    const nanos = (used.user + used.system - sweptMicros) * 1e3;
    console.log(`round ${round}: ${points.toLocaleString()} points in ${BATCHES} batches: ${(nanos / points).toFixed(0)} ns CPU/point, GC pauses ${gcMs.toFixed(0)} ms`);
    await shard.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
