/**
 * Where the bytes on disk go, per point: each block's time numbers, sequence numbers, values
 * and framing, the segment footers, manifests, WAL and everything else in a data directory.
 *
 * A section's share of a block is what the block shrinks by when that section alone is made
 * free (times or sequence numbers evenly spaced, values constant); framing is the size of the
 * block with all three free. The shares are measured by re-encoding with today's block codec,
 * so they add up to about, not exactly, the block's size. A block that shares another's
 * sequence numbers (codec 3) stores only its first: its share of sequence numbers is 0.
 *
 * Without flags: the peer bench's workload (bench/lib/peer-workload.ts), written through the
 * segment writer into two files as two shards would. With --data-dir <dir>: a stopped (or
 * settled) server's data directory, every file counted, the blocks of its segments decoded
 * and attributed as above (format 2 segments only).
 *
 * Run: npm run build && node dist/bench/disk-bytes.js [--data-dir <dir>] [--series 1000]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeBlock } from '../src/storage/block-codec.js';
import type { SeriesColumns } from '../src/storage/columns.js';
import { readSegmentIndex, SegmentReader, SegmentWriter } from '../src/storage/segment-file.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { BLOCK_ROWS } from '../src/storage/block-codec.js';
import { PEER_WORKLOAD, peerSeries } from './lib/peer-workload.js';

const { values: flags } = parseArgs({
  options: { 'data-dir': { type: 'string' }, series: { type: 'string', default: String(PEER_WORKLOAD.series) } },
  strict: true,
});

/** Bytes of each block section, summed over blocks, and the blocks' total. */
class BlockShares {
  points = 0;
  blocks = 0;
  /** Blocks that share an earlier block's sequence numbers. */
  sharingSeq = 0;
  stored = 0;
  time = 0;
  seq = 0;
  values = 0;
  framing = 0;

  add(rows: SeriesColumns, storedBytes: number, sharesSeq: boolean): void {
    const full = encodeBlock(rows).byteLength;
    const evenTime = { ...rows, time: evenlySpaced(rows.count, rows.time[0]!, 10_000_000) };
    const evenSeq = { ...rows, seq: evenlySpaced(rows.count, 1, 10_000) };
    const constantValues = { ...rows, columns: rows.columns.map((c) => ({ ...c, floats: new Float64Array(rows.count).fill(1), kinds: c.kinds })) };
    this.points += rows.count;
    this.blocks++;
    this.stored += storedBytes;
    this.time += full - encodeBlock(evenTime).byteLength;
    if (sharesSeq) this.sharingSeq++;
    else this.seq += full - encodeBlock(evenSeq).byteLength;
    this.values += full - encodeBlock(constantValues).byteLength;
    this.framing += encodeBlock({ ...evenTime, seq: evenSeq.seq, columns: constantValues.columns }).byteLength;
  }
}

function evenlySpaced(n: number, first: number, step: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => first + i * step);
}

interface FileShare {
  readonly label: string;
  readonly bytes: number;
  readonly allocated: number;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.seg'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Blocks of every format 2 segment under `dir`, attributed; the files' footers counted apart. */
function segmentShares(dir: string, shares: BlockShares): { blocks: number; footers: number } {
  let blocks = 0;
  let footers = 0;
  for (const file of segmentFiles(dir)) {
    const index = readSegmentIndex(file);
    const reader = new SegmentReader(file);
    let fileBlocks = 0;
    for (const entry of index.series) {
      for (const header of entry.blocks) {
        shares.add(reader.readBlock(header), header.length, header.seqFrom !== undefined);
        fileBlocks += header.length;
      }
    }
    reader.close();
    blocks += fileBlocks;
    footers += statSync(file).size - fileBlocks;
  }
  return { blocks, footers };
}

function fileShares(dir: string): FileShare[] {
  const byLabel = new Map<string, { bytes: number; allocated: number }>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file).split(path.sep);
    const label = relative.includes('wal') ? 'WAL' : entry.name.endsWith('.seg') ? 'segment files' : entry.name === 'manifest.json' ? 'manifests' : 'other files';
    const { size, blocks } = statSync(file);
    const sum = byLabel.get(label) ?? { bytes: 0, allocated: 0 };
    sum.bytes += size;
    sum.allocated += blocks * 512;
    byLabel.set(label, sum);
  }
  return [...byLabel].map(([label, s]) => ({ label, ...s }));
}

/** The peer workload through SegmentWriter: series alternate between two files, as two shards hold them. */
function writePeerSegments(dir: string, series: number): void {
  const workload = { ...PEER_WORKLOAD, series };
  const writers = [0, 1].map((shard) => new SegmentWriter(path.join(dir, `shard-${shard}.seg`)));
  for (let s = 0; s < series; s++) {
    const writer = writers[s % 2]!;
    const rows = peerSeries(workload, s);
    writer.beginSeries('peer', rows.series);
    for (let from = 0; from < rows.count; from += BLOCK_ROWS) writer.addRows(sliceRows(rows, from, Math.min(rows.count, from + BLOCK_ROWS)));
    writer.endSeries();
  }
  for (const writer of writers) writer.finish();
}

const perPoint = (bytes: number, points: number): string => (bytes / points).toFixed(4).padStart(8);

const dataDir = flags['data-dir'];
const workDir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'sluice-disk-bytes-'));
try {
  if (!dataDir) writePeerSegments(workDir, Number(flags.series));
  const shares = new BlockShares();
  const { blocks, footers } = segmentShares(workDir, shares);
  const points = shares.points;
  console.log(`${dataDir ?? `peer workload, ${flags.series} series`}: ${points} points in ${shares.blocks} blocks (B/point)`);
  console.log(`  blocks as stored           ${perPoint(blocks, points)}`);
  console.log(`    re-encoded today: time   ${perPoint(shares.time, points)}`);
  console.log(`    sequence numbers         ${perPoint(shares.seq, points)}  (${shares.sharingSeq} of ${shares.blocks} blocks share an earlier block's)`);
  console.log(`    values                   ${perPoint(shares.values, points)}`);
  console.log(`    framing and headers      ${perPoint(shares.framing, points)}`);
  console.log(`  segment footers            ${perPoint(footers, points)}`);
  for (const share of fileShares(workDir)) {
    console.log(`  ${share.label.padEnd(26)} ${perPoint(share.bytes, points)}  (allocated ${perPoint(share.allocated, points).trim()})`);
  }
} finally {
  if (!dataDir) rmSync(workDir, { recursive: true, force: true });
}
