/**
 * Reading series through segment files and the block iterator, per block size:
 * - a segment of SERIES series × POINTS points (bench/lib/series-columns.ts): its bytes per
 *   point, footer size and the time to read its index;
 * - `limit 1` on every series: the newest block of each (seriesBlocks desc, first block),
 *   read, checksummed and decoded — the figure the target "well under 20 ms" is about;
 * - a full scan of every series in time order, in rows/s;
 * - merging: one series as 10 pieces whose time ranges all overlap (interleaved rows).
 * Each size keeps each series' newest block at BLOCK_ROWS, as the segment writer does; the size
 * in use (SEGMENT_BLOCK_ROWS) is marked with *. Each figure is CPU time, the best of ROUNDS
 * rounds, on one core.
 *
 * Run: npm run build && node dist/bench/series-blocks.js   (POINTS=10000 ROUNDS=15)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEGMENT_BLOCK_ROWS } from '../src/storage/block-codec.js';
import { readSegmentIndex, SegmentReader, SegmentWriter, type SegmentIndex } from '../src/storage/segment-file.js';
import { seriesBlocks, type Piece } from '../src/storage/series-blocks.js';
import { benchSeries, SERIES } from './lib/series-columns.js';
import { bestNanos } from './lib/timing.js';

const POINTS = Number(process.env.POINTS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
/** A full scan is long enough that a few rounds find a quiet moment. */
const FULL_SCAN_ROUNDS = Math.min(ROUNDS, 4);
const BLOCK_SIZES = [1024, 2048, 4096, 8192];

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-blocks-'));
try {
  console.log(`${SERIES} series × ${POINTS} points`);
  // Written first, so the source rows are garbage before anything is timed.
  const files = BLOCK_SIZES.map((blockRows) => writeSegment(blockRows));
  BLOCK_SIZES.forEach((blockRows, i) => measureBlockSize(files[i]!, blockRows));
  measureMerge();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function writeSegment(blockRows: number): string {
  const file = join(dir, `seg-${blockRows}.sls`);
  const writer = new SegmentWriter(file, blockRows);
  for (let i = 0; i < SERIES; i++) {
    const rows = benchSeries(i, POINTS);
    writer.beginSeries('db', rows.series);
    writer.addRows(rows);
    writer.endSeries();
  }
  writer.finish();
  return file;
}

function measureBlockSize(file: string, blockRows: number): void {
  const index = readSegmentIndex(file);
  const points = SERIES * POINTS;
  const size = statSync(file).size;
  const footer = size - index.series.reduce((sum, s) => sum + s.blocks.reduce((b, h) => b + h.length, 0), 0);
  const openNanos = bestNanos(() => readSegmentIndex(file), 1, ROUNDS);

  const reader = new SegmentReader(file);
  const newest = bestNanos(() => scanAll(reader, index, 'desc', true), 3, ROUNDS);
  const full = bestNanos(() => scanAll(reader, index, 'asc', false), 1, FULL_SCAN_ROUNDS);
  reader.close();
  console.log(
    `${blockRows === SEGMENT_BLOCK_ROWS ? '*' : ' '}${String(blockRows).padStart(5)} rows/block: ${(size / points).toFixed(3)} B/point, footer ${(footer / 1024).toFixed(0)} KiB ` +
      `(${((100 * footer) / size).toFixed(1)} %), index read ${(openNanos / 1e6).toFixed(1)} ms; ` +
      `newest block of every series ${(newest / 1e6).toFixed(1)} ms; full scan ${(points / (full / 1e9) / 1e6).toFixed(1)} M rows/s`,
  );
}

/** Rows seen: every block of every series, or only the first block of each. */
function scanAll(reader: SegmentReader, index: SegmentIndex, order: 'asc' | 'desc', firstOnly: boolean): number {
  let rows = 0;
  for (const entry of index.series) {
    for (const block of seriesBlocks(reader.pieces(entry), -Infinity, Infinity, order)) {
      rows += block.count;
      if (firstOnly) break;
    }
  }
  return rows;
}

/** 10 pieces of one series, piece p holding the rows i ≡ p (mod 10): every range overlaps. */
function measureMerge(): void {
  const all = benchSeries(0, 100_000);
  const pieces: Piece[] = Array.from({ length: 10 }, (_, p) => {
    const picked = benchSeries(0, 10_000);
    for (let i = 0; i < 10_000; i++) {
      picked.time[i] = all.time[i * 10 + p]!;
      picked.seq[i] = all.seq[i * 10 + p]!;
    }
    return { minTime: picked.time[0]!, maxTime: picked.time[9_999]!, count: 10_000, load: () => picked };
  });
  const nanos = bestNanos(() => {
    for (const block of seriesBlocks(pieces, -Infinity, Infinity, 'asc')) if (block.count === 0) throw new Error('empty block');
  }, 1, ROUNDS);
  console.log(`merge of 10 overlapping pieces, 100,000 rows: ${(100_000 / (nanos / 1e9) / 1e6).toFixed(1)} M rows/s`);
}
