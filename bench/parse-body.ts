/**
 * Write-body parser micro-benchmark, one core: `parseWriteBody` on a request body of the
 * ingest benchmark (bench/lib/dataset.ts: 1000 series objects × 5 points, `[time_s, value]`
 * with two-decimal floats), beside `JSON.parse` of the same bytes, which builds objects and
 * no batches at all.
 * A second body with few long series shows the per-point cost alone.
 *
 * `parseWriteBody` is timed as the server calls it for an admin (no series list) and for a
 * database user (`listSeries`, for the permission check), and with the caches swept between
 * bodies: a parse thread shares its core with the shards, and in the server every body starts
 * with the series' entries out of cache. The cold figure is what a write costs there.
 *
 * Each figure is the best of ROUNDS rounds of ITERATIONS parses, so a busy machine shows less.
 *
 * Run: npm run build && node dist/bench/parse-body.js   (ITERATIONS=500 ROUNDS=5 SHARDS=2)
 */
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { cacheSweeper } from './lib/cache-sweep.js';
import { generateDataset } from './lib/dataset.js';

const iterations = Number(process.env.ITERATIONS ?? 500);
const rounds = Number(process.env.ROUNDS ?? 5);
const shardCount = Number(process.env.SHARDS ?? 2);

/** One request body of the ingest benchmark's workload. */
function bodyOf(series: number, pointsPerSeries: number): { label: string; bytes: Uint8Array; points: number } {
  const dataset = generateDataset(series, pointsPerSeries, series * pointsPerSeries);
  return { label: `${series} series × ${pointsPerSeries} points`, bytes: dataset.bodies[0]!, points: dataset.points };
}

/** Seconds for `iterations` runs: the best round after a warm-up. */
function measure(run: () => void): number {
  for (let i = 0; i < 200; i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

/** Swept between bodies for the cold figure (not timed). */
const sweepCaches = cacheSweeper(32);

/** Seconds for `iterations` runs, each after a sweep (not timed): the best round after a warm-up. */
function measureCold(run: () => void): number {
  for (let i = 0; i < 50; i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    let nanos = 0n;
    for (let i = 0; i < iterations; i++) {
      sweepCaches();
      const start = process.hrtime.bigint();
      run();
      nanos += process.hrtime.bigint() - start;
    }
    best = Math.min(best, Number(nanos) / 1e9);
  }
  return best;
}

const format = (pointsPerSecond: number): string => `${(pointsPerSecond / 1e6).toFixed(2)} M points/s`;
const decoder = new TextDecoder();

for (const body of [bodyOf(1000, 5), bodyOf(10, 500)]) {
  const options = { db: 'bench', precision: 's' as const, nowUs: Date.now() * 1000, shardCount, listSeries: false };
  const listing = { ...options, listSeries: true };
  const check = parseWriteBody(body.bytes, options);
  if (!check.ok || check.pointCount !== body.points) throw new Error(`bench body did not parse: ${JSON.stringify(check)}`);

  const total = body.points * iterations;
  const megabytes = (body.bytes.length * iterations) / 1e6;
  const line = (label: string, seconds: number): string =>
    `  ${label.padEnd(26)} ${format(total / seconds)}  ${(megabytes / seconds).toFixed(0)} MB/s  ${((seconds / iterations) * 1e6).toFixed(0)} µs/body`;
  console.log(`${body.label} (${(body.bytes.length / 1024).toFixed(0)} KiB, best of ${rounds} × ${iterations} parses, ${shardCount} shards)`);
  console.log(line('parseWriteBody', measure(() => parseWriteBody(body.bytes, options))));
  console.log(line('  series listed', measure(() => parseWriteBody(body.bytes, listing))));
  console.log(line('  caches cold', measureCold(() => parseWriteBody(body.bytes, options))));
  console.log(line('JSON.parse (decoded)', measure(() => JSON.parse(decoder.decode(body.bytes)))));
}
