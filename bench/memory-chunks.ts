/**
 * Memtable chunks alone: packing a sealed chunk's times, sequence numbers and decimal values (every seal pays
 * it) and unpacking them (every scan and flush of the memtable pays it), in ns per row, on
 * the peer workload's rows (bench/lib/peer-workload.ts) cut as seals cut them: one chunk per
 * series per seal. Memory is what the memtable counts a chunk holding, per row: its rows and
 * the estimate of its objects (CHUNK=1 shows a series written a point per seal, which gets
 * tiny chunks). CPU time, the best of ROUNDS rounds, on one core.
 *
 * Run: npm run build && node dist/bench/memory-chunks.js   (CHUNK=280 ROUNDS=15)
 */
import { chunkBytes, packChunk, unpackChunk, type MemoryChunk } from '../src/storage/memory-chunk.js';
import { RowSlab } from '../src/storage/row-slab.js';
import { sliceRows } from '../src/storage/row-slice.js';
import { PEER_WORKLOAD, peerSeries } from './lib/peer-workload.js';
import { bestNanos } from './lib/timing.js';

const CHUNK = Number(process.env.CHUNK ?? 280);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const SERIES = 100;

const pieces = Array.from({ length: SERIES }, (_, s) => peerSeries(PEER_WORKLOAD, s)).flatMap((rows) => {
  const cut = [];
  for (let at = 0; at < rows.count; at += CHUNK) cut.push(sliceRows(rows, at, Math.min(rows.count, at + CHUNK)));
  return cut;
});
const rows = pieces.reduce((sum, piece) => sum + piece.count, 0);

let chunks: MemoryChunk[] = [];
const pack = bestNanos(() => {
  const slab = new RowSlab();
  chunks = pieces.map((piece) => packChunk(piece, slab));
}, 1, ROUNDS);
const unpack = bestNanos(() => {
  for (const chunk of chunks) unpackChunk(chunk);
}, 1, ROUNDS);
const bytes = chunks.reduce((sum, chunk) => sum + chunkBytes(chunk), 0);

console.log(`${rows.toLocaleString('en-US')} rows in chunks of ${CHUNK}: pack ${(pack / rows).toFixed(2)} ns/row, unpack ${(unpack / rows).toFixed(2)} ns/row, held ${(bytes / rows).toFixed(2)} B/row with the objects`);
