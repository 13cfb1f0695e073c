/**
 * A flush's encoding alone: the peer bench's workload (bench/lib/peer-workload.ts: sequence
 * numbers as interleaved bulk writes number them, two-decimal noise) written through the
 * segment writer in blocks, as a shard flushes its memtable. CPU per point, the best of
 * ROUNDS rounds after one warm-up, on one core.
 *
 * Run: npm run build && node dist/bench/segment-write.js   (SERIES=400 ROUNDS=3)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BLOCK_ROWS } from '../src/storage/block-codec.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { SegmentWriter } from '../src/storage/segment-file.js';
import { PEER_WORKLOAD, peerSeries } from './lib/peer-workload.js';

const SERIES = Number(process.env.SERIES ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const series = Array.from({ length: SERIES }, (_, s) => peerSeries(PEER_WORKLOAD, s));
const points = series.reduce((sum, rows) => sum + rows.count, 0);
const dir = mkdtempSync(path.join(tmpdir(), 'sluice-bench-segment-write-'));
try {
  let best = Infinity;
  for (let round = 0; round <= ROUNDS; round++) {
    const before = process.cpuUsage();
    const writer = new SegmentWriter(path.join(dir, `round-${round}.seg`));
    for (const rows of series) {
      writer.beginSeries('peer', rows.series);
      for (let from = 0; from < rows.count; from += BLOCK_ROWS) writer.addRows(sliceRows(rows, from, Math.min(rows.count, from + BLOCK_ROWS)));
      writer.endSeries();
    }
    writer.finish();
    const used = process.cpuUsage(before);
    // Round 0 warms the JIT up.
    if (round > 0) best = Math.min(best, (used.user + used.system) / 1000);
  }
  console.log(`segment write of ${SERIES} series, ${points.toLocaleString('en-US')} points: ${((best * 1e6) / points).toFixed(0)} ns CPU a point (best of ${ROUNDS}, ${best.toFixed(0)} ms)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
