/**
 * Arrow export benchmark: `select *` from a regex matching every series, with `format=arrow`, over the whole workload
 * (10 M points by default), read by apache-arrow's RecordBatchReader as the bytes arrive, rows
 * counted and checked against the workload; the best of --runs after one warm-up run. The
 * reader runs in this process on the same cores as the server, so its CPU per point is printed
 * too: on two cores, points/s cannot pass 2 / (server + reader CPU per point).
 *
 *   node dist/bench/ingest.js --keep                      (prints the data directory)
 *   node dist/bench/arrow-export.js --data-dir <dir>
 * or let it ingest first into a temporary directory: node dist/bench/arrow-export.js
 */
import http from 'node:http';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { RecordBatchReader } from 'apache-arrow';
import { seriesPath } from './lib/http.js';
import { BENCH_DB, benchDataDir, restartToReady } from './lib/ingest-run.js';
import { readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { cpuSeconds } from './lib/proc.js';
import { currentCommit, report, type BenchResult, type Metric } from './lib/results.js';

const { values: flags } = parseArgs({ options: { ...workloadOptions, runs: { type: 'string' } }, strict: true });
if (flags.help === true) {
  console.log(`usage: node dist/bench/arrow-export.js [options]\n${WORKLOAD_HELP}\n  --runs N            timed runs of the whole export (default 3)`);
  process.exit(0);
}

const workload = readWorkload(flags);
const runs = Number(flags.runs ?? 3);
const args = serverArgs(flags);
const startedAt = new Date().toISOString();

const { dataDir, ingestedHere } = await benchDataDir(flags['data-dir'], workload, args);

const ready = await restartToReady(dataDir, args);
console.log(`\narrow export: server ready in ${ready.queryMs.toFixed(0)} ms on data in ${dataDir}`);
const url = `${ready.server.baseUrl}${seriesPath(BENCH_DB, 'select * from /.*/', { format: 'arrow' })}`;
const expected = workload.series * workload.pointsPerSeries;

interface Run {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly serverCpu: number;
  /** This process's: apache-arrow's reader shares the machine's cores with the server. */
  readonly clientCpu: number;
}

/** One export: rows and bytes read, seconds from request to the stream's end, the server's and the reader's CPU seconds. */
async function exportOnce(): Promise<Run> {
  const began = performance.now();
  const cpuBefore = cpuSeconds(ready.server.pid);
  const clientBefore = process.cpuUsage();
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on('error', reject));
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of response) {
      bytes += (chunk as Buffer).length;
      yield chunk as Uint8Array;
    }
  }
  let rows = 0;
  for await (const batch of await RecordBatchReader.from(counted())) rows += batch.numRows;
  const client = process.cpuUsage(clientBefore);
  return { rows, bytes, seconds: (performance.now() - began) / 1000, serverCpu: cpuSeconds(ready.server.pid) - cpuBefore, clientCpu: (client.user + client.system) / 1e6 };
}

const metrics: Record<string, Metric> = {};
try {
  await exportOnce();
  let best: Run = { rows: 0, bytes: 0, seconds: Infinity, serverCpu: 0, clientCpu: 0 };
  for (let i = 0; i < runs; i++) {
    const run = await exportOnce();
    if (run.rows !== expected) console.warn(`warning: the export returned ${run.rows} rows, expected ${expected}`);
    console.log(`${run.rows.toLocaleString('en-US')} rows, ${(run.bytes / 1e6).toFixed(1)} MB in ${run.seconds.toFixed(3)} s: ${(run.rows / run.seconds / 1e6).toFixed(1)} M points/s, server CPU ${run.serverCpu.toFixed(2)} s, reader CPU ${run.clientCpu.toFixed(2)} s`);
    if (run.seconds < best.seconds) best = run;
  }
  metrics.pointsPerSecond = { value: best.rows / best.seconds, unit: 'points/s', higherIsBetter: true };
  metrics.megabytesPerSecond = { value: best.bytes / 1e6 / best.seconds, unit: 'MB/s', higherIsBetter: true };
  metrics.seconds = { value: best.seconds, unit: 's', higherIsBetter: false };
  // All threads: the shards' encoding and the main thread's writes; wall time on a busy machine mostly measures the neighbours.
  metrics.serverCpuNsPerPoint = { value: (best.serverCpu * 1e9) / best.rows, unit: 'ns/point', higherIsBetter: false };
  metrics.readerCpuNsPerPoint = { value: (best.clientCpu * 1e9) / best.rows, unit: 'ns/point', higherIsBetter: false };
} finally {
  await ready.server.stop();
}

const result: BenchResult = {
  benchmark: 'arrow-export',
  startedAt,
  commit: currentCommit(),
  config: { series: workload.series, pointsPerSeries: workload.pointsPerSeries, runs, serverArgs: args.join(' '), cores: os.availableParallelism() },
  metrics,
};
await report(result);
if (ingestedHere && flags.keep !== true) await rm(dataDir, { recursive: true, force: true });
