/**
 * Fan-out continuous query micro-benchmark, one core: `withFanOut` adding the copies of
 * `select * from /^cpu/ into copy.:series_name` to the parsed batches of one request body of
 * the ingest benchmark (1000 series objects × 5 points), beside parsing that body. A fan-out
 * CQ runs in the parse thread right after the parse, so its cost per body is what it adds to
 * a parse thread's work; the cold figures sweep the caches before each call, as a parse thread
 * that shares its core with the shards meets its tables.
 *
 * Run: npm run build && node dist/bench/fan-out.js   (ITERATIONS=300 ROUNDS=5 SHARDS=2)
 */
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { withFanOut, type FanOutSpec } from '../src/lifecycle/fan-out.js';
import { cacheSweeper } from './lib/cache-sweep.js';
import { generateDataset } from './lib/dataset.js';

const iterations = Number(process.env.ITERATIONS ?? 300);
const rounds = Number(process.env.ROUNDS ?? 5);
const shardCount = Number(process.env.SHARDS ?? 2);

const body = generateDataset(1000, 5, 5000).bodies[0]!;
const options = { db: 'bench', precision: 's' as const, nowUs: Date.now() * 1000, shardCount, listSeries: false };
const copyAll: FanOutSpec = { names: [], regex: { pattern: '^cpu', caseInsensitive: false }, target: 'copy.:series_name', fields: '*' };

function parsed(): (Uint8Array | null)[] {
  const result = parseWriteBody(body, options);
  if (!result.ok) throw new Error(`bench body did not parse: ${result.message}`);
  return result.batches;
}

const batches = parsed();
const check = withFanOut(batches, 'bench', [copyAll]);
if (check.added !== 5000) throw new Error(`the CQ copied ${check.added} points, not 5000`);

const sweepCaches = cacheSweeper(32);

/** Microseconds per call of `run`: the best round, after a warm-up; `cold` sweeps the caches before each call (not timed). */
function measure(run: () => void, cold: boolean): number {
  for (let i = 0; i < 100; i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    let nanos = 0n;
    for (let i = 0; i < iterations; i++) {
      if (cold) sweepCaches();
      const start = process.hrtime.bigint();
      run();
      nanos += process.hrtime.bigint() - start;
    }
    best = Math.min(best, Number(nanos) / 1e3 / iterations);
  }
  return best;
}

console.log(`1000 series × 5 points, ${shardCount} shards (best of ${rounds} × ${iterations} bodies)`);
for (const cold of [false, true]) {
  const parse = measure(parsed, cold);
  const fanOut = measure(() => withFanOut(batches, 'bench', [copyAll]), cold);
  console.log(
    `  caches ${cold ? 'cold' : 'warm'}: parse ${parse.toFixed(0)} µs/body, fan-out copying every point ${fanOut.toFixed(0)} µs/body ` +
      `(${(fanOut / 5).toFixed(0)} ns/point, ${((fanOut / parse) * 100).toFixed(0)} % of the parse)`,
  );
}
