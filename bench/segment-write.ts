/**
 * A flush's encoding alone: the peer bench's workload (bench/lib/peer-workload.ts: sequence
 * numbers as interleaved bulk writes number them, two-decimal noise) written through the
 * segment writer in blocks, as a shard flushes its memtable. CPU per point, the best of
 * ROUNDS rounds after one warm-up, on one core.
 *
 * With STRINGS=1 each series also has a string column, one list entry a row as a parsed body
 * gives it (each series' rows named alike, so the values cost little): the segment writer's
 * handling of string lists alone.
 *
 * Run: npm run build && node dist/bench/segment-write.js   (SERIES=400 ROUNDS=3 STRINGS=0)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BLOCK_ROWS } from '../src/storage/block-codec.js';
import { allocateColumn, ValueKind, type SeriesColumns } from '../src/storage/columns.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { SegmentWriter } from '../src/storage/segment-file.js';
import { PEER_WORKLOAD, peerSeries } from './lib/peer-workload.js';

const SERIES = Number(process.env.SERIES ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STRINGS = process.env.STRINGS === '1';

/** The rows with a `host` column of strings, one list entry a row. */
function withStringColumn(rows: SeriesColumns): SeriesColumns {
  const host = allocateColumn('host', rows.count);
  for (let i = 0; i < rows.count; i++) {
    host.kinds[i] = ValueKind.String;
    host.floats[i] = host.strings.push(`host-${rows.series}`) - 1;
  }
  return { ...rows, columns: [...rows.columns, host] };
}

const series = Array.from({ length: SERIES }, (_, s) => peerSeries(PEER_WORKLOAD, s)).map((rows) => (STRINGS ? withStringColumn(rows) : rows));
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
  console.log(`segment write of ${SERIES} series${STRINGS ? ' with a string column' : ''}, ${points.toLocaleString('en-US')} points: ${((best * 1e6) / points).toFixed(0)} ns CPU a point (best of ${ROUNDS}, ${best.toFixed(0)} ms)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
