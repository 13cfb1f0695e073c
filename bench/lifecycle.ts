/**
 * Data lifecycle benchmark (issue 8's targets), on the ingest workload:
 * - a delete of one hour from every series (a regex over all of them): time to the 204, and
 *   that a count over that hour right after finds nothing;
 * - a periodic `group by time(1m)` continuous query over the whole workload: one run's time,
 *   as the server logs it;
 * - a fan-out continuous query copying every written point: ingest throughput with and
 *   without it, same data, same server settings.
 *
 * Run: npm run build && node dist/bench/lifecycle.js [-S 1000 -P 10000 -B 5000 -C 8]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset, SPACING_S } from './lib/dataset.js';
import { BenchClient, seriesPath, waitUntil } from './lib/http.js';
import { BENCH_DB, runIngest, startBenchServer } from './lib/ingest-run.js';
import { readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { currentCommit, report, type Metric } from './lib/results.js';

const LAST_TIME_S = 1704067190;
const HOUR_S = 3600;

const { values: flags } = parseArgs({ options: workloadOptions, strict: true });
if (flags.help === true) {
  console.log(`usage: node dist/bench/lifecycle.js [options]\n${WORKLOAD_HELP}`);
  process.exit(0);
}
const workload = readWorkload(flags);
const args = serverArgs(flags);
const startedAt = new Date().toISOString();
const metrics: Record<string, Metric> = {};
const auth = 'u=root&p=root';

async function ok(client: BenchClient, method: string, pathAndQuery: string, status: number, body?: Buffer | string): Promise<string> {
  const reply = await client.send(method, pathAndQuery, typeof body === 'string' ? Buffer.from(body) : body);
  if (reply.status !== status) throw new Error(`${method} ${pathAndQuery}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
  return reply.body;
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lifecycle-bench-'));
await runIngest({ workload, dataDir, serverArgs: args, keep: true, lastTimeS: LAST_TIME_S });
const server = await startBenchServer(dataDir, args);
const client = new BenchClient(server.baseUrl, 1);
try {
  // One hour from every series: the delete is acknowledged once every shard logged it.
  const deletes: number[] = [];
  for (let hour = 1; hour <= 3; hour++) {
    const end = LAST_TIME_S + SPACING_S - (hour - 1) * HOUR_S;
    const began = performance.now();
    await ok(client, 'DELETE', `/db/${BENCH_DB}/series?${auth}&regex=.&start=${end - HOUR_S}&end=${end}`, 204);
    deletes.push(performance.now() - began);
    const left = await ok(client, 'GET', seriesPath(BENCH_DB, `select count(value) from /.*/ where time > ${end - HOUR_S}s and time < ${end}s`), 200);
    if (left !== '[]') throw new Error(`deleted hour still answers: ${left.slice(0, 200)}`);
  }
  console.log(`delete one hour from all ${workload.series} series: ${deletes.map((ms) => ms.toFixed(1)).join(', ')} ms to acknowledge`);
  metrics.deleteHourAllSeries = { value: Math.max(...deletes), unit: 'ms (worst of 3)', higherIsBetter: false };

  // A periodic CQ over everything: its first run backfills the whole workload.
  const logged = server.output().length;
  await ok(client, 'GET', seriesPath(BENCH_DB, 'select mean(value) from /^cpu/ group by time(1m) into 1m.:series_name'), 200);
  const since = performance.now();
  await waitUntil(async () => server.output().slice(logged).includes('continuous query ran'), since, 600_000, 'the continuous query run');
  const line = server.output().slice(logged).split('\n').find((l) => l.includes('continuous query ran'))!;
  const runMs = Number(/"ms":(\d+)/.exec(line)![1]);
  console.log(`group by time(1m) continuous query over the whole workload: ${runMs} ms for one run`);
  metrics.periodicRunWholeWorkload = { value: runMs, unit: 'ms', higherIsBetter: false };
} finally {
  client.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}

/** Points/s writing the workload into `db` of a fresh server, after `setup`. */
async function ingestRate(setup: (client: BenchClient) => Promise<void>): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-fanout-bench-'));
  const fresh = await startBenchServer(dir, args);
  const control = new BenchClient(fresh.baseUrl, 1);
  const writers = new BenchClient(fresh.baseUrl, workload.connections);
  try {
    await ok(control, 'POST', `/db?${auth}`, 201, JSON.stringify({ name: BENCH_DB }));
    await setup(control);
    const dataset = generateDataset(workload.series, workload.pointsPerSeries, workload.batch);
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: workload.connections }, async () => {
        while (next < dataset.bodies.length) await ok(writers, 'POST', `/db/${BENCH_DB}/series?${auth}&time_precision=s`, 200, dataset.bodies[next++]!);
      }),
    );
    return dataset.points / ((performance.now() - began) / 1000);
  } finally {
    control.close();
    writers.close();
    await fresh.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const plain = await ingestRate(async () => undefined);
const fanned = await ingestRate(async (control) => {
  await ok(control, 'GET', seriesPath(BENCH_DB, 'select * from /^cpu/ into copy.:series_name'), 200);
});
const cost = (1 - fanned / plain) * 100;
console.log(`ingest ${plain.toFixed(0)} points/s; with a fan-out CQ copying every point ${fanned.toFixed(0)} points/s (${cost.toFixed(1)} % less)`);
metrics.ingestWithoutFanOut = { value: plain, unit: 'points/s', higherIsBetter: true };
metrics.ingestWithFanOut = { value: fanned, unit: 'points/s', higherIsBetter: true };
metrics.fanOutCost = { value: cost, unit: '% of ingest throughput', higherIsBetter: false };

await report({
  benchmark: 'lifecycle',
  startedAt,
  commit: currentCommit(),
  config: { series: workload.series, pointsPerSeries: workload.pointsPerSeries, serverArgs: args.join(' '), cores: os.availableParallelism() },
  metrics,
});
