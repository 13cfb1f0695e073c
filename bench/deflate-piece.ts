/**
 * A compressed export's per-page work alone: a page of JSON rows (1000-row objects of the
 * export's shape, 20,000 rows) compressed as one piece (util/deflate-piece.ts, as a shard does
 * for a client that asked for gzip), against the same pages at zlib's default level (the level
 * answers were compressed at before). CPU ns per row and the ratio, best of ROUNDS.
 *
 * Run: npm run build && node dist/bench/deflate-piece.js   (ROUNDS=5)
 */
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { deflatePiece } from '../src/util/deflate-piece.js';
import { bestNanos } from './lib/timing.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ROWS = 20_000;
const PAGES = 20;

/** Rows as an export writes them: time in s, a sequence number, a two-decimal value. */
function page(k: number): Uint8Array {
  const objects: string[] = [];
  for (let o = 0; o < ROWS / 1000; o++) {
    const rows: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const row = k * ROWS + o * 1000 + i;
      rows.push(`[${1_700_000_000 + row * 10},${99_900_000_001 + row * 10_000},${(50 + ((row * 7919) % 4001) / 100 - 20).toFixed(2)}]`);
    }
    objects.push(`{"name":"cpu.host${k}","columns":["time","sequence_number","value"],"points":[${rows.join(',')}]}`);
  }
  return Buffer.from(objects.join(''));
}

const pages = Array.from({ length: PAGES }, (_, k) => page(k));
const bytes = pages.reduce((sum, p) => sum + p.length, 0);

/** ns a row of compressing every page with `compress`, the best of ROUNDS (bench/lib/timing.ts), and the ratio it reaches. */
function measure(compress: (page: Uint8Array) => Uint8Array): { ns: number; ratio: number } {
  const ns = bestNanos(() => pages.forEach(compress), 1, ROUNDS) / (ROWS * PAGES);
  return { ns, ratio: bytes / pages.reduce((sum, page) => sum + compress(page).length, 0) };
}

const pieces = measure((page) => deflatePiece(page, 'gzip').deflated);
const level6 = measure((page) => deflateRawSync(page, { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
console.log(`${(bytes / 1e6).toFixed(1)} MB of JSON rows in ${PAGES} pages of ${ROWS.toLocaleString('en-US')} rows`);
console.log(`  a piece per page, fastest level, CRC-32   ${pieces.ns.toFixed(1)} ns/row  ${pieces.ratio.toFixed(2)}x smaller`);
console.log(`  the same at zlib's default level            ${level6.ns.toFixed(1)} ns/row  ${level6.ratio.toFixed(2)}x smaller`);
