/**
 * Cost of one block by size: bytes per row, encode time, and decode time split into a fixed
 * cost per block and a cost per row — the numbers BLOCK_ROWS is chosen from. Segment
 * format 1's codec (one Arrow IPC stream, same packing) decodes the same rows beside it.
 *
 * Workload: bench/lib/series-columns.ts (10 s spacing, two-decimal random walk in 25–75).
 * Each figure is CPU time, the best of 15 rounds, on one core.
 *
 * Run: npm run build && node dist/bench/block-codec.js
 */
import { decodeBlock, encodeBlock } from '../src/storage/block-codec.js';
import { constantStringColumn } from '../src/storage/columns.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { decodeSeriesSegment, encodeSeriesSegment } from '../src/storage/segment-codec.js';
import { benchSeries } from './lib/series-columns.js';
import { bestNanos } from './lib/timing.js';

const SIZES = [1, 256, 1024, 2048, 4096, 8192, 16384];
/** Calls per round: enough for a few ms of work at every size. */
const callsFor = (rows: number): number => Math.max(50, Math.round(100_000 / (rows + 200)));

const series = benchSeries(0, SIZES[SIZES.length - 1]!);
const decodeNanos = new Map<number, number>();
console.log('rows   B/row  encode µs  decode µs  decode ns/row  Arrow-stream decode µs');
for (const rows of SIZES) {
  const block = sliceRows(series, 0, rows);
  const bytes = encodeBlock(block);
  const arrowBytes = encodeSeriesSegment(block);
  const calls = callsFor(rows);
  const encode = bestNanos(() => encodeBlock(block), calls);
  const decode = bestNanos(() => decodeBlock(bytes), calls);
  const arrowDecode = bestNanos(() => decodeSeriesSegment(arrowBytes), calls);
  decodeNanos.set(rows, decode);
  console.log(
    `${String(rows).padStart(5)}  ${(bytes.byteLength / rows).toFixed(2).padStart(5)}  ${(encode / 1e3).toFixed(1).padStart(9)}  ` +
      `${(decode / 1e3).toFixed(1).padStart(9)}  ${(decode / rows).toFixed(1).padStart(13)}  ${(arrowDecode / 1e3).toFixed(1).padStart(22)}`,
  );
}
// Decode time ≈ fixed + perRow · rows; the slope from the two largest sizes, the fixed part from one row.
const [a, b] = [SIZES[SIZES.length - 2]!, SIZES[SIZES.length - 1]!];
const perRow = (decodeNanos.get(b)! - decodeNanos.get(a)!) / (b - a);
console.log(
  `decode ≈ ${(decodeNanos.get(1)! / 1e3).toFixed(1)} µs per block + ${perRow.toFixed(1)} ns per row ` +
    `(${(1e3 / perRow).toFixed(0)} M rows/s on large blocks)`,
);

// A line-protocol tag: a string column holding one value in every row, as memtables keep it.
const taggedRows = SIZES[SIZES.length - 1]!;
const untagged = sliceRows(series, 0, taggedRows);
const tagged = { ...untagged, columns: [...untagged.columns, constantStringColumn('host', 'host123', taggedRows)] };
const calls = callsFor(taggedRows);
// Sequence numbers as concurrent bulk writes number them (what a shard really flushes): each
// 5000-point request numbers its 5 points of this series in a row, and 8 requests in flight
// interleave, so a series' steps are runs of +1 ended by jumps of a few requests.
const interleaved = sliceRows(series, 0, 1024);
const seq = new Float64Array(1024);
const next = ((seed) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)(7);
for (let i = 0, request = 0; i < seq.length; i++) {
  if (i % 5 === 0) request += 1 + Math.floor(next() * 8);
  seq[i] = ((request * 5000 + 17 * 5 + (i % 5)) * 10_000) + 1;
}
const bulk = { ...interleaved, seq };
console.log(
  `encode of 1024 rows with sequence numbers of interleaved bulk writes: ${(bestNanos(() => encodeBlock(bulk), callsFor(1024)) / 1e3).toFixed(1)} µs ` +
    `(${(encodeBlock(bulk).byteLength / 1024).toFixed(2)} B/row)`,
);
console.log(
  `encode of ${taggedRows} rows with a tag column: ${(bestNanos(() => encodeBlock(tagged), calls) / 1e3).toFixed(1)} µs, ` +
    `without: ${(bestNanos(() => encodeBlock(untagged), calls) / 1e3).toFixed(1)} µs`,
);
