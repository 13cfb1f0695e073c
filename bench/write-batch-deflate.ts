/**
 * Cluster mode's log payload (src/storage/write-batch-pack.ts, and before it
 * src/storage/write-batch-deflate.ts): the write batches of the
 * ingest benchmark's bodies (1000 series × 5 points each, two-decimal values) split over
 * PARTITIONS partitions, as a parse thread makes them, deflated and inflated, then packed and
 * unpacked, one by one.
 * Prints bytes a point before and after, and the CPU a point each way (the best of 15 rounds,
 * one core). The NATS servers' saving is measured by bench/cluster-ingest.ts.
 *
 * Run: npm run build && node dist/bench/write-batch-deflate.js   (PARTITIONS=4 BODIES=40)
 */
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { deflateBatch, inflateBatch } from '../src/storage/write-batch-deflate.js';
import { packBatch } from '../src/storage/write-batch-pack.js';
import { unpackBatch } from '../src/storage/write-batch-unpack.js';
import { generateDataset } from './lib/dataset.js';
import { bestNanos } from './lib/timing.js';

const partitions = Number(process.env.PARTITIONS ?? 4);
const bodyCount = Number(process.env.BODIES ?? 40);
const dataset = generateDataset(1000, bodyCount * 5, 5000);
const batches: Uint8Array[] = [];
let points = 0;
for (const body of dataset.bodies.slice(0, bodyCount)) {
  const parsed = parseWriteBody(body, { db: 'bench', precision: 's', nowUs: Date.now() * 1000, shardCount: partitions, listSeries: false });
  if (!parsed.ok) throw new Error(parsed.message);
  points += parsed.pointCount;
  for (const batch of parsed.batches) if (batch !== null) batches.push(batch);
}
const payloads = batches.map(deflateBatch);
const bytes = (arrays: Uint8Array[]): number => arrays.reduce((sum, a) => sum + a.byteLength, 0);
const deflateNs = bestNanos(() => batches.forEach(deflateBatch), 3);
const inflateNs = bestNanos(() => payloads.forEach((payload, i) => inflateBatch(payload, batches[i]!.byteLength)), 3);
console.log(`${batches.length} batches of ${bodyCount} bodies, ${partitions} partitions, ${points} points`);
console.log(`bytes a point: ${(bytes(batches) / points).toFixed(1)} as parsed, ${(bytes(payloads) / points).toFixed(2)} deflated (${(bytes(batches) / bytes(payloads)).toFixed(2)}×)`);
console.log(`deflate ${(deflateNs / points).toFixed(0)} ns a point, inflate ${(inflateNs / points).toFixed(0)} ns a point`);

const packed = batches.map((batch) => {
  const payload = packBatch(batch);
  if (payload === undefined) throw new Error('a parsed batch did not pack');
  return payload;
});
packed.forEach((payload, i) => {
  if (Buffer.compare(unpackBatch(payload, batches[i]!.byteLength), batches[i]!) !== 0) throw new Error(`batch ${i} did not unpack to itself`);
});
const packNs = bestNanos(() => batches.forEach(packBatch), 3);
const unpackNs = bestNanos(() => packed.forEach((payload, i) => unpackBatch(payload, batches[i]!.byteLength)), 3);
console.log(`packed and compressed: ${(bytes(packed) / points).toFixed(2)} bytes a point; pack ${(packNs / points).toFixed(0)} ns a point, unpack ${(unpackNs / points).toFixed(0)} ns a point`);
