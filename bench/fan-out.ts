/**
 * Fan-out continuous query micro-benchmark, one core: `withFanOut` adding the copies of
 * `select * from /^cpu/ into copy.:series_name` to the parsed batches of one request body of
 * the ingest benchmark (1000 series objects × 5 points), beside parsing that body. A fan-out
 * CQ runs in the parse thread right after the parse, so its cost per body is what it adds to
 * a parse thread's work; the cold figures sweep the caches before each call, as a parse thread
 * that shares its core with the shards meets its tables. With CQS=N, N such CQs (into
 * `copy0.:series_name`, `copy1.…`), each of a tenth of the series (`/^cpu\.host\d*K$/`, K the
 * CQ's number mod 10): what a database with many fan-out CQs pays a body.
 *
 * Run: npm run build && node dist/bench/fan-out.js   (ITERATIONS=300 ROUNDS=5 SHARDS=2 CQS=1)
 */
import { parseWriteBody } from '../src/ingest/parse-body.js';
import { fanOutSet, withFanOut, type FanOutSpec } from '../src/lifecycle/fan-out.js';
import { cacheSweeper } from './lib/cache-sweep.js';
import { generateDataset } from './lib/dataset.js';

const iterations = Number(process.env.ITERATIONS ?? 300);
const rounds = Number(process.env.ROUNDS ?? 5);
const shardCount = Number(process.env.SHARDS ?? 2);

const body = generateDataset(1000, 5, 5000).bodies[0]!;
const options = { db: 'bench', precision: 's' as const, nowUs: Date.now() * 1000, shardCount, listSeries: false };
const cqCount = Number(process.env.CQS ?? 1);
const copyAll: FanOutSpec = { names: [], regex: { pattern: '^cpu', caseInsensitive: false }, target: 'copy.:series_name', fields: '*' };
const specs: FanOutSpec[] =
  cqCount === 1 ? [copyAll] : Array.from({ length: cqCount }, (_, i) => ({ ...copyAll, regex: { pattern: `^cpu\\.host\\d*${i % 10}$`, caseInsensitive: false }, target: `copy${i}.:series_name` }));
const expectedCopies = cqCount === 1 ? 5000 : 500 * cqCount;

function parsed(): (Uint8Array | null)[] {
  const result = parseWriteBody(body, options);
  if (!result.ok) throw new Error(`bench body did not parse: ${result.message}`);
  return result.batches;
}

const fanOutSpecs = fanOutSet(specs);
const batches = parsed();
const check = withFanOut(batches, 'bench', fanOutSpecs);
if (check.added !== expectedCopies) throw new Error(`the CQs copied ${check.added} points, not ${expectedCopies}`);

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

console.log(`1000 series × 5 points, ${shardCount} shards, ${cqCount} CQ${cqCount === 1 ? '' : 's'} making ${expectedCopies} copies a body (best of ${rounds} × ${iterations} bodies)`);
for (const cold of [false, true]) {
  const parse = measure(parsed, cold);
  const fanOut = measure(() => withFanOut(batches, 'bench', fanOutSpecs), cold);
  const perCopy = (fanOut * 1000) / expectedCopies;
  console.log(
    `  caches ${cold ? 'cold' : 'warm'}: parse ${parse.toFixed(0)} µs/body, fan-out ${fanOut.toFixed(0)} µs/body ` +
      `(${perCopy.toFixed(0)} ns a copied point, ${((fanOut / parse) * 100).toFixed(0)} % of the parse)`,
  );
}
