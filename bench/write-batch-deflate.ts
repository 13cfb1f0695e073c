/**
 * Cluster mode's log payload (src/storage/write-batch-deflate.ts): the write batches of the
 * ingest benchmark's bodies (1000 series × 5 points each, two-decimal values) split over
 * PARTITIONS partitions, as a parse thread makes them, deflated and inflated one by one.
 * Prints bytes a point before and after, and the CPU a point each way (the best of 15 rounds,
 * one core). The NATS servers' saving is measured by bench/cluster-ingest.ts.
 *
 * Run: npm run build && node dist/bench/write-batch-deflate.js   (PARTITIONS=4 BODIES=40)
 */
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { deflateBatch, inflateBatch } from '../src/storage/write-batch-deflate.js';
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
