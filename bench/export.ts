/**
 * Export benchmark: chunked `select * from cpu.host1` (one series, mean of 20 runs) and
 * a chunked `select *` from a regex matching every series (points/s and MB/s), plain and
 * gzip-compressed as clients that send Accept-Encoding get it, with the point counts checked
 * against the workload.
 *
 * Run against the data of an ingest run:
 *   node dist/bench/ingest.js --keep       (prints the data directory)
 *   node dist/bench/export.js --data-dir <dir>
 * or let it ingest first into a temporary directory: node dist/bench/export.js
 * S and P must match the ingest run, so the counts can be checked.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BenchClient, seriesPath } from './lib/http.js';
import { BENCH_DB, benchDataDir, restartToReady } from './lib/ingest-run.js';
import { readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { currentCommit, report, type BenchResult, type Metric } from './lib/results.js';
import { seriesName } from './lib/dataset.js';

const { values: flags } = parseArgs({
  options: { ...workloadOptions, runs: { type: 'string' }, warmup: { type: 'string' }, 'all-runs': { type: 'string' }, 'gzip-runs': { type: 'string' } },
  strict: true,
});
if (flags.help === true) {
  console.log(
    `usage: node dist/bench/export.js [options]\n${WORKLOAD_HELP}\n` +
      `  --runs N            timed runs of the one-series export (default 20)\n` +
      `  --warmup N          untimed runs first, so the JIT has compiled the scan (default 100)\n` +
      `  --all-runs N        runs of the all-series export (default 1)\n` +
      `  --gzip-runs N       runs of the all-series export asked for gzip-compressed (default 1)`,
  );
  process.exit(0);
}

const workload = readWorkload(flags);
const runs = Number(flags.runs ?? 20);
const warmup = Number(flags.warmup ?? 100);
const allRuns = Number(flags['all-runs'] ?? 1);
const gzipRuns = Number(flags['gzip-runs'] ?? 1);
const args = serverArgs(flags);
const startedAt = new Date().toISOString();

const { dataDir, ingestedHere } = await benchDataDir(flags['data-dir'], workload, args);

const ready = await restartToReady(dataDir, args);
console.log(`\nexport: server ready in ${ready.queryMs.toFixed(0)} ms on data in ${dataDir}`);
const client = new BenchClient(ready.server.baseUrl, 1);
const metrics: Record<string, Metric> = {};
const metric = (value: number, unit: string, higherIsBetter: boolean): Metric => ({ value, unit, higherIsBetter });

try {
  const onePath = seriesPath(BENCH_DB, `select * from ${seriesName(1)}`, { chunked: 'true' });
  // The first queries of a fresh process run before V8 has optimised the row encoder: report
  // that cold figure on its own, then time the steady state after warm-up runs.
  const coldBegan = performance.now();
  await client.countChunked(onePath);
  metrics.oneSeriesFirst = metric(performance.now() - coldBegan, 'ms', false);
  for (let i = 0; i < warmup; i++) await client.countChunked(seriesPath(BENCH_DB, `select * from ${seriesName(i % workload.series)}`, { chunked: 'true' }));
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    const count = await client.countChunked(onePath);
    durations.push(performance.now() - began);
    if (count.rows !== workload.pointsPerSeries) {
      console.warn(`warning: ${seriesName(1)} returned ${count.rows} points, expected ${workload.pointsPerSeries}`);
    }
  }
  durations.sort((a, b) => a - b);
  metrics.oneSeriesMean = metric(durations.reduce((a, b) => a + b, 0) / durations.length, 'ms', false);
  metrics.oneSeriesMin = metric(durations[0]!, 'ms', false);
  metrics.oneSeriesMax = metric(durations.at(-1)!, 'ms', false);

  const allPath = seriesPath(BENCH_DB, 'select * from /.*/', { chunked: 'true' });
  const expected = workload.series * workload.pointsPerSeries;
  /** The fastest of `n` all-series exports. */
  const exportAll = async (n: number, gzip: boolean): Promise<{ seconds: number; rows: number; bytes: number }> => {
    let best = { seconds: Infinity, rows: 0, bytes: 0 };
    for (let i = 0; i < n; i++) {
      const began = performance.now();
      const count = await client.countChunked(allPath, { gzip });
      const seconds = (performance.now() - began) / 1000;
      if (count.rows !== expected) console.warn(`warning: the all-series export returned ${count.rows} points, expected ${expected}`);
      console.log(
        `all series${gzip ? ', gzip' : ''}: ${count.rows.toLocaleString('en-US')} points in ${count.objects.toLocaleString('en-US')} objects, ` +
          `${(count.bytes / 1e6).toFixed(1)} MB of JSON in ${seconds.toFixed(2)} s`,
      );
      if (seconds < best.seconds) best = { seconds, rows: count.rows, bytes: count.bytes };
    }
    return best;
  };
  const best = await exportAll(allRuns, false);
  metrics.allSeriesPointsPerSecond = metric(best.rows / best.seconds, 'points/s', true);
  metrics.allSeriesMegabytesPerSecond = metric(best.bytes / 1e6 / best.seconds, 'MB/s', true);
  metrics.allSeriesSeconds = metric(best.seconds, 's', false);
  metrics.allSeriesPointsReturned = metric(best.rows, `points (expected ${expected})`, true);
  if (gzipRuns > 0) {
    const zipped = await exportAll(gzipRuns, true);
    metrics.allSeriesGzipPointsPerSecond = metric(zipped.rows / zipped.seconds, 'points/s', true);
    metrics.allSeriesGzipSeconds = metric(zipped.seconds, 's', false);
  }
} finally {
  client.close();
  await ready.server.stop();
}

const result: BenchResult = {
  benchmark: 'export',
  startedAt,
  commit: currentCommit(),
  config: {
    series: workload.series,
    pointsPerSeries: workload.pointsPerSeries,
    runs,
    warmup,
    allRuns,
    gzipRuns,
    serverArgs: args.join(' '),
    cores: os.availableParallelism(),
  },
  metrics,
};
await report(result);
if (ingestedHere && flags.keep !== true) await rm(dataDir, { recursive: true, force: true });
