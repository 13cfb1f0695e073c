/**
 * The shard-thread half of an aggregate select alone (operators/aggregate-scan.ts `encodedAnswer`):
 * Q3 of bench/query — `max(value)` by `time(1h)` over every point — on one shard's share of
 * the bench workload (500 series × 10,000 points), read from decoded segment blocks as the
 * block cache hands them out, so the figure is the scan and the aggregation, not decoding.
 * CPU time, the best of ROUNDS rounds, on one core; bench/query's Q3 runs two such shards.
 * The cache maps each block's zones as it admits it (storage/zone-map.ts); NO_ZONES=1 leaves
 * them out, for the scan without maps. Also times building the maps of every block alone.
 *
 * Run: npm run build && node dist/bench/aggregate-scan.js   (SERIES=500 ROUNDS=10 NO_ZONES=1)
 */
import { decodeBlock, encodeBlock, BLOCK_ROWS } from '../src/storage/block-codec.js';
import { summarizeBlock } from '../src/storage/block-header.js';
import { blockPiece } from '../src/storage/segment-file.js';
import { seriesBlocks, type Piece } from '../src/storage/series-blocks.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { mapZones } from '../src/storage/zone-map.js';
import type { SeriesSnapshot } from '../src/storage/series-snapshot.js';
import type { SeriesColumns } from '../src/storage/columns.js';
import { encodedAnswer, Turns, type AggregateRequest } from '../src/operators/aggregate-scan.js';
import { benchSeries } from './lib/series-columns.js';
import { bestNanos } from './lib/timing.js';

const SERIES = Number(process.env.SERIES ?? 500);
const POINTS = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const HOUR_US = 3_600_000_000;

/** Each series as decoded blocks behind pieces, as a warm block cache serves them. */
function cachedPieces(index: number): Piece[] {
  const rows = benchSeries(index, POINTS);
  const pieces: Piece[] = [];
  for (let at = 0; at < rows.count; at += BLOCK_ROWS) {
    const block = sliceRows(rows, at, Math.min(rows.count, at + BLOCK_ROWS));
    const decoded = decodeBlock(encodeBlock(block));
    // The cache maps a block's zones as it admits it.
    if (!process.env.NO_ZONES) mapZones(decoded);
    unmapped.push(decodeBlock(encodeBlock(block)));
    const header = { ...summarizeBlock(block), offset: 0, length: 0, crc: 0 };
    pieces.push(blockPiece(header, () => decoded));
  }
  return pieces;
}

/** The same blocks again, decoded anew, for timing mapZones alone. */
const unmapped: SeriesColumns[] = [];
const pieces = new Map<string, Piece[]>();
for (let s = 0; s < SERIES; s++) {
  const list = cachedPieces(s);
  pieces.set(benchSeries(s, 1).series, list);
}
const snapshot = (name: string): SeriesSnapshot => ({
  columns: ['value'],
  blocks: (answered) => seriesBlocks(pieces.get(name)!, -Infinity, Infinity, 'asc', BLOCK_ROWS, answered),
});
const request: AggregateRequest = {
  db: 'bench',
  series: [...pieces.keys()],
  startUs: -Infinity,
  endUs: Infinity,
  order: 'desc',
  aggregates: [{ name: 'max' }],
  arguments: [{ kind: 'identifier', name: 'value' }],
  groupBy: [],
  widthUs: HOUR_US,
  where: undefined,
  whereColumns: [],
  referencedColumns: ['value'],
  requiredColumns: ['value'],
  shaping: { limit: 0, fill: undefined, precision: 's', rowIndent: null },
};
// Never pausing, the answer is computed within the call (its promise is already settled).
const nanos = bestNanos(() => void encodedAnswer(request, snapshot, new Turns(Number.POSITIVE_INFINITY)), 1, ROUNDS);
const points = SERIES * POINTS;
console.log(`${SERIES} series × ${POINTS} points, max by time(1h): ${(nanos / 1e6).toFixed(1)} ms, ${(points / (nanos / 1e9) / 1e6).toFixed(0)} M points/s, ${(nanos / points).toFixed(2)} ns/point`);

// Maps are built once per block (a second call finds them), so each round maps fresh copies.
let mapNanos = Infinity;
for (let round = 0; round < 3; round++) {
  const blocks = round === 0 ? unmapped : unmapped.map((b) => ({ ...b, time: b.time.slice(), columns: b.columns.map((c) => ({ ...c, floats: c.floats.slice() })) }));
  const started = process.hrtime.bigint();
  for (const b of blocks) mapZones(b);
  mapNanos = Math.min(mapNanos, Number(process.hrtime.bigint() - started));
}
console.log(`mapZones over its ${unmapped.length} blocks: ${(mapNanos / 1e6).toFixed(1)} ms, ${(mapNanos / points).toFixed(2)} ns/row`);
