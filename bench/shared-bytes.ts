/**
 * Copying a page out of a shared slot alone (util/shared-bytes.ts, as the coordinator copies
 * a one-shard whole answer's pages): a 349 KB page, the size of one 10,000-row series' answer,
 * copied from a SharedArrayBuffer through `copyBytes`, through a plain `Uint8Array.set`, and
 * from an ordinary ArrayBuffer for reference. µs a page, best of ROUNDS.
 *
 * Run: npm run build && node dist/bench/shared-bytes.js   (ROUNDS=5)
 */
import { copyBytes } from '../src/util/shared-bytes.js';
import { bestNanos } from './lib/timing.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PAGE_BYTES = 349_000;
const COPIES = 200;

const slot = new Uint8Array(new SharedArrayBuffer(1024 * 1024));
const ordinary = new Uint8Array(1024 * 1024);
for (let i = 0; i < slot.length; i++) slot[i] = ordinary[i] = (i * 131) & 0xff;
// Odd offsets, as a series object's bytes start anywhere in a page.
const fromSlot = slot.subarray(3, 3 + PAGE_BYTES);
const fromOrdinary = ordinary.subarray(3, 3 + PAGE_BYTES);
const target = new Uint8Array(PAGE_BYTES + 16);

function microseconds(copy: () => void): number {
  return bestNanos(() => {
    for (let i = 0; i < COPIES; i++) copy();
  }, 1, ROUNDS) / COPIES / 1000;
}

console.log(`copyBytes from a shared slot      ${microseconds(() => copyBytes(target, 5, fromSlot)).toFixed(1)} µs a page`);
console.log(`Uint8Array.set from a shared slot ${microseconds(() => target.set(fromSlot, 5)).toFixed(1)} µs a page`);
console.log(`Uint8Array.set from an ArrayBuffer ${microseconds(() => target.set(fromOrdinary, 5)).toFixed(1)} µs a page`);
