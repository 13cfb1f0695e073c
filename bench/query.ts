/**
 * Query benchmark: latency of the queries (median of 5 timed runs after one warm-up,
 * `time_precision=s`, whole JSON answers) on the ingest workload ending at 1704067190 s, and
 * Q3 twice more: on data still in the memtables, and on data only in segments after a restart.
 *
 * Run: npm run build && node dist/bench/query.js            (S=1000 P=10000: ingests first)
 * Smoke: S=20 P=1000 node dist/bench/query.js
 * Reuse data: node dist/bench/query.js --keep, then --data-dir <dir> (the data must come from
 * this bench, whose dataset ends at a fixed time the queries name).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchClient, seriesPath } from './lib/http.js';
import { BENCH_DB, restartToReady, runIngest, startBenchServer } from './lib/ingest-run.js';
import { readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { currentCommit, report, type BenchResult, type Metric } from './lib/results.js';
import { median } from './lib/timing.js';

const LAST_TIME_S = 1704067190;
const TIMED_RUNS = 5;

const QUERIES = {
  Q1: 'select mean(value) from "cpu.host0" group by time(1m) where time > 1704063599s and time < 1704067200s',
  Q2: 'select count(value) from "cpu.host0"',
  Q3: 'select max(value) from /.*/ group by time(1h) where time > 1703967199s and time < 1704067200s',
  Q6: 'select * from /.*/ limit 1',
  Q7: 'select count(value) from "cpu.host0" merge "cpu.host1" group by time(1m)',
  Q8: 'select percentile(value, 95) from "cpu.host0" group by time(10m)',
  // Many buckets: a row for every point of 111 series (1.1 M rows, one JSON answer).
  Q9: 'select count(value) from /^cpu.host1/ group by time(10s)',
};

const { values: flags } = parseArgs({ options: workloadOptions, strict: true });
if (flags.help === true) {
  console.log(`usage: node dist/bench/query.js [options]\n${WORKLOAD_HELP}`);
  process.exit(0);
}
const workload = readWorkload(flags);
const args = serverArgs(flags);
const startedAt = new Date().toISOString();
const metrics: Record<string, Metric> = {};
const table: string[][] = [];

/** Median ms of TIMED_RUNS runs after one warm-up; every answer must be a 200. */
async function latency(client: BenchClient, q: string): Promise<{ ms: number; bytes: number }> {
  const path = seriesPath(BENCH_DB, q, { time_precision: 's' });
  const send = async (): Promise<number> => {
    const reply = await client.send('GET', path);
    if (reply.status !== 200) throw new Error(`${q}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
    return reply.body.length;
  };
  const bytes = await send();
  const durations: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const began = performance.now();
    await send();
    durations.push(performance.now() - began);
  }
  return { ms: median(durations), bytes };
}

async function measure(client: BenchClient, name: string, label: string, q: string): Promise<void> {
  const { ms, bytes } = await latency(client, q);
  metrics[name] = { value: ms, unit: 'ms (median of 5)', higherIsBetter: false };
  table.push([label, ms.toFixed(2), `${bytes.toLocaleString('en-US')} B`]);
}

let dataDir = flags['data-dir'];
const ingestedHere = dataDir === undefined;
if (dataDir === undefined) {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-query-bench-'));
  // Memtables large enough that nothing is flushed while ingesting: Q3 then reads memtables only.
  const server = await startBenchServer(dataDir, [...args, '--memtable-bytes', '4GiB']);
  try {
    const outcome = await runIngest({ workload, url: server.baseUrl, pid: server.pid, serverArgs: args, keep: true, lastTimeS: LAST_TIME_S });
    await report(outcome.result);
    const client = new BenchClient(server.baseUrl, 1);
    await measure(client, 'Q3memtables', 'Q3, data in memtables', QUERIES.Q3);
    client.close();
  } finally {
    await server.stop();
  }
}

const ready = await restartToReady(dataDir, args);
console.log(`\nquery: server ready in ${ready.queryMs.toFixed(0)} ms on data in ${dataDir}`);
const client = new BenchClient(ready.server.baseUrl, 1);
try {
  // After the restart every point is in segments.
  for (const [name, q] of Object.entries(QUERIES)) await measure(client, name, name === 'Q3' ? 'Q3, data in segments (after restart)' : name, q);
} finally {
  client.close();
  await ready.server.stop();
}

console.log(`\n${workload.series} series × ${workload.pointsPerSeries} points, time_precision=s, median of ${TIMED_RUNS} after a warm-up`);
const widths = [0, 1, 2].map((c) => Math.max(...table.map((row) => row[c]!.length)));
for (const [label, ms, bytes] of table) console.log(`  ${label!.padEnd(widths[0]!)}  ${ms!.padStart(widths[1]!)}${ms === 'n/a' ? '   ' : ' ms'}  ${bytes!.padStart(widths[2]!)}`);

const result: BenchResult = {
  benchmark: 'query',
  startedAt,
  commit: currentCommit(),
  config: { series: workload.series, pointsPerSeries: workload.pointsPerSeries, serverArgs: args.join(' '), cores: os.availableParallelism() },
  metrics,
};
await report(result);
if (ingestedHere && flags.keep !== true) await rm(dataDir, { recursive: true, force: true });
else console.log(`data kept in ${dataDir}`);
