/**
 * Data lifecycle benchmark (issue 8's targets), on the ingest workload:
 * - a delete of one hour from every series (a regex over all of them): time to the 204, and
 *   that a count over that hour right after finds nothing (after one request has logged in, so
 *   the password's one-time hashing is timed apart); once on a restarted server (rows in
 *   segments) and once right after the writes (rows still in memtables);
 * - a periodic `group by time(1m)` continuous query over every series: its backfill run over
 *   the whole workload and one period's run, as the server logs them, and the slowest of the
 *   one-point writes sent every 50 ms while the backfill runs;
 * - a fan-out continuous query copying every written point: ingest throughput with and
 *   without it, same data, same server settings; on a fresh server's first run and on its
 *   second, once its threads are warm.
 *
 * One plain server against one fanned server a minute later gave a fan-out cost anywhere from
 * 8 to 45 % on the same build, so `--fan-out-rounds N` runs the two N times in turn and
 * reports the median of the rounds' costs. Each run also reports the server's CPU time a point
 * written, which does not depend on how the client and the server shared the 2 cores.
 *
 * Run: npm run build && node dist/bench/lifecycle.js [-S 1000 -P 10000 -B 5000 -C 8] [--fan-out-rounds N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../test/helpers/server.js';
import { generateDataset, seriesName, SPACING_S } from './lib/dataset.js';
import { BenchClient, seriesPath, waitUntil } from './lib/http.js';
import { BENCH_DB, runIngest, startBenchServer } from './lib/ingest-run.js';
import { readWorkload, serverArgs, WORKLOAD_HELP, workloadOptions } from './lib/options.js';
import { currentCommit, report, type Metric } from './lib/results.js';
import { median } from './lib/timing.js';
import { cpuSeconds } from './lib/proc.js';
import { perThreadLine, threadSeconds } from './lib/thread-cpu.js';

const LAST_TIME_S = 1704067190;
const HOUR_S = 3600;

const { values: flags } = parseArgs({ options: { ...workloadOptions, 'fan-out-rounds': { type: 'string' } }, strict: true });
if (flags.help === true) {
  console.log(`usage: node dist/bench/lifecycle.js [options] [--fan-out-rounds N (1): plain and fan-out ingest N times in turn]\n${WORKLOAD_HELP}`);
  process.exit(0);
}
const workload = readWorkload(flags);
const fanOutRounds = Number(flags['fan-out-rounds'] ?? 1);
if (!Number.isInteger(fanOutRounds) || fanOutRounds < 1) throw new Error(`--fan-out-rounds takes a positive integer, got ${flags['fan-out-rounds']}`);
const args = serverArgs(flags);
const startedAt = new Date().toISOString();
const metrics: Record<string, Metric> = {};
const auth = 'u=root&p=root';

async function ok(client: BenchClient, method: string, pathAndQuery: string, status: number, body?: Buffer | string): Promise<string> {
  const reply = await client.send(method, pathAndQuery, typeof body === 'string' ? Buffer.from(body) : body);
  if (reply.status !== status) throw new Error(`${method} ${pathAndQuery}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
  return reply.body;
}

/**
 * Deletes the last three hours up to `lastTimeS`, one hour from every series at a time (the
 * delete is acknowledged once every shard logged it); the ms to each 204, and to the count over
 * the hour right after it, which must find nothing (a shard cuts rows it had not sealed yet
 * when it next seals, before any read: that count may pay for it).
 */
async function deleteLastHours(client: BenchClient, lastTimeS: number): Promise<{ deletes: number[]; counts: number[] }> {
  const deletes: number[] = [];
  const counts: number[] = [];
  for (let hour = 1; hour <= 3; hour++) {
    const end = lastTimeS + SPACING_S - (hour - 1) * HOUR_S;
    const began = performance.now();
    await ok(client, 'DELETE', `/db/${BENCH_DB}/series?${auth}&regex=.&start=${end - HOUR_S}&end=${end}`, 204);
    deletes.push(performance.now() - began);
    const countBegan = performance.now();
    const left = await ok(client, 'GET', seriesPath(BENCH_DB, `select count(value) from /.*/ where time > ${end - HOUR_S}s and time < ${end}s`), 200);
    counts.push(performance.now() - countBegan);
    if (left !== '[]') throw new Error(`deleted hour still answers: ${left.slice(0, 200)}`);
  }
  return { deletes, counts };
}

function millis(values: readonly number[]): string {
  return values.map((ms) => ms.toFixed(1)).join(', ');
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lifecycle-bench-'));
await runIngest({ workload, dataDir, serverArgs: args, keep: true, lastTimeS: LAST_TIME_S });
const server = await startBenchServer(dataDir, args);
const client = new BenchClient(server.baseUrl, 1);
try {
  // The first request with a password after start-up hashes it (scrypt, about 50 ms of the
  // thread pool); later ones find it remembered (meta/passwords.ts). Timed apart, so the
  // deletes below time the delete and not the login that any first request would pay.
  const loginBegan = performance.now();
  await ok(client, 'GET', `/db?${auth}`, 200);
  const firstLoginMs = performance.now() - loginBegan;
  console.log(`first authenticated request after start-up (the password hashed once): ${firstLoginMs.toFixed(1)} ms`);
  metrics.firstLogin = { value: firstLoginMs, unit: 'ms', higherIsBetter: false };
  const { deletes, counts } = await deleteLastHours(client, LAST_TIME_S);
  console.log(`delete one hour from all ${workload.series} series (rows in segments): ${millis(deletes)} ms to acknowledge; the count over it right after: ${millis(counts)} ms`);
  metrics.deleteHourAllSeries = { value: Math.max(...deletes), unit: 'ms (worst of 3)', higherIsBetter: false };

} finally {
  client.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * A periodic `group by time(1m)` CQ over every series, on a server whose clock starts 20 s
 * after the workload's last point: its first run backfills the whole workload; then a point per
 * series and 10 s arrives for the next minute, and the run at that minute's end is one period.
 */
async function periodicRuns(): Promise<{ backfillMs: number; periodMs: number; writesDuringBackfill: number[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-cq-bench-'));
  await runIngest({ workload, dataDir: dir, serverArgs: args, keep: true, lastTimeS: LAST_TIME_S });
  const minute = LAST_TIME_S + SPACING_S; // 2024-01-01T00:00:00Z
  const cqServer = await startServer({ dataDir: dir, args, env: { SLUICE_TEST_CLOCK_START: new Date((minute + 20) * 1000).toISOString() } });
  const control = new BenchClient(cqServer.baseUrl, 1);
  const runs = (): number[] =>
    cqServer
      .output()
      .split('\n')
      .filter((line) => line.includes('continuous query ran'))
      .map((line) => Number(/"ms":(\d+)/.exec(line)![1]));
  try {
    await ok(control, 'GET', seriesPath(BENCH_DB, 'select mean(value) from /^cpu/ group by time(1m) into 1m.:series_name'), 200);
    const since = performance.now();
    // A point every 50 ms while the backfill runs, how long a write waits for it: to a series
    // the CQ does not read, on a shard that, like every shard, computes its part of the run.
    const probe = new BenchClient(cqServer.baseUrl, 1);
    const writesDuringBackfill: number[] = [];
    const point = JSON.stringify([{ name: 'probe', columns: ['time', 'value'], points: [[minute + 1, 0]] }]);
    try {
      while (runs().length < 1) {
        if (performance.now() - since > 120_000) throw new Error('the backfill run took more than 120 s');
        const asked = performance.now();
        await ok(probe, 'POST', `/db/${BENCH_DB}/series?${auth}&time_precision=s`, 200, point);
        writesDuringBackfill.push(performance.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      probe.close();
    }
    const body = Array.from({ length: workload.series }, (_, s) => ({
      name: seriesName(s),
      columns: ['time', 'value'],
      points: Array.from({ length: 5 }, (_, i) => [minute + 10 * (i + 1), i]),
    }));
    await ok(control, 'POST', `/db/${BENCH_DB}/series?${auth}&time_precision=s`, 200, JSON.stringify(body));
    await waitUntil(async () => runs().length >= 2, since, 120_000, 'the next period');
    const [backfillMs, periodMs] = runs();
    return { backfillMs: backfillMs!, periodMs: periodMs!, writesDuringBackfill };
  } finally {
    control.close();
    await cqServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const { backfillMs, periodMs, writesDuringBackfill } = await periodicRuns();
const slowestWrite = Math.max(...writesDuringBackfill);
console.log(
  `group by time(1m) CQ over all ${workload.series} series: backfill run ${backfillMs} ms, one period ${periodMs} ms; ` +
    `${writesDuringBackfill.length} one-point writes during the backfill, median ${median(writesDuringBackfill).toFixed(1)} ms, slowest ${slowestWrite.toFixed(1)} ms`,
);
metrics.writeDuringBackfillSlowest = { value: slowestWrite, unit: 'ms', higherIsBetter: false };
metrics.periodicBackfillRun = { value: backfillMs, unit: 'ms', higherIsBetter: false };
metrics.periodicPeriodRun = { value: periodMs, unit: 'ms', higherIsBetter: false };

/** Points/s, and the server's CPU µs a point while it took them (from the first request to the last answer). */
interface IngestRun {
  readonly rate: number;
  readonly cpuUs: number;
  /** µs a point of each of the server's threads (perThreadLine). */
  readonly threads: string;
}

/**
 * Writing the workload into `db` of a fresh server, after `setup`: the server's first run
 * (cold: its threads compile their hot code and fault in their memory) and a second run after
 * the database was dropped and made again (warm).
 */
async function ingestRates(
  setup: (client: BenchClient) => Promise<void>,
  after?: (client: BenchClient, lastTimeS: number) => Promise<void>,
): Promise<{ cold: IngestRun; warm: IngestRun }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-fanout-bench-'));
  const fresh = await startBenchServer(dir, args);
  const control = new BenchClient(fresh.baseUrl, 1);
  const writers = new BenchClient(fresh.baseUrl, workload.connections);
  const dataset = generateDataset(workload.series, workload.pointsPerSeries, workload.batch);
  const run = async (): Promise<IngestRun> => {
    await ok(control, 'POST', `/db?${auth}`, 201, JSON.stringify({ name: BENCH_DB }));
    await setup(control);
    let next = 0;
    const threadsBefore = await threadSeconds(control);
    const cpuBefore = cpuSeconds(fresh.pid);
    const began = performance.now();
    await Promise.all(
      Array.from({ length: workload.connections }, async () => {
        while (next < dataset.bodies.length) await ok(writers, 'POST', `/db/${BENCH_DB}/series?${auth}&time_precision=s`, 200, dataset.bodies[next++]!);
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const cpuUs = ((cpuSeconds(fresh.pid) - cpuBefore) / dataset.points) * 1e6;
    return { rate: dataset.points / seconds, cpuUs, threads: perThreadLine(threadsBefore, await threadSeconds(control), dataset.points) };
  };
  try {
    const cold = await run();
    await after?.(control, dataset.lastTimeS);
    await ok(control, 'DELETE', `/db/${BENCH_DB}?${auth}`, 204);
    const warm = await run();
    return { cold, warm };
  } finally {
    control.close();
    writers.close();
    await fresh.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const rounds: { plain: { cold: IngestRun; warm: IngestRun }; fanned: { cold: IngestRun; warm: IngestRun } }[] = [];
for (let round = 0; round < fanOutRounds; round++) {
  // On the server that just took the writes, most rows are still in its memtables.
  const plain = await ingestRates(
    async () => undefined,
    round > 0
      ? undefined
      : async (control, lastTimeS) => {
          await ok(control, 'GET', `/db?${auth}`, 200);
          const { deletes: live, counts } = await deleteLastHours(control, lastTimeS);
          console.log(`delete one hour from all ${workload.series} series (right after the writes, rows in memtables): ${millis(live)} ms to acknowledge; the count over it right after: ${millis(counts)} ms`);
          metrics.deleteHourAllSeriesLive = { value: Math.max(...live), unit: 'ms (worst of 3)', higherIsBetter: false };
        },
  );
  const fanned = await ingestRates(async (control) => {
    await ok(control, 'GET', seriesPath(BENCH_DB, 'select * from /^cpu/ into copy.:series_name'), 200);
  });
  rounds.push({ plain, fanned });
  for (const run of ['cold', 'warm'] as const) {
    const cost = (1 - fanned[run].rate / plain[run].rate) * 100;
    const label = fanOutRounds > 1 ? `round ${round + 1}, ` : '';
    console.log(
      `${label}${run} server: ingest ${plain[run].rate.toFixed(0)} points/s at ${plain[run].cpuUs.toFixed(2)} µs of server CPU a point; ` +
        `with a fan-out CQ copying every point ${fanned[run].rate.toFixed(0)} points/s (${cost.toFixed(1)} % less) at ${fanned[run].cpuUs.toFixed(2)} µs`,
    );
    console.log(`${label}${run} server: µs a point by thread without the CQ: ${plain[run].threads}; with it: ${fanned[run].threads}`);
  }
}
for (const run of ['cold', 'warm'] as const) {
  const costs = rounds.map(({ plain, fanned }) => (1 - fanned[run].rate / plain[run].rate) * 100);
  // CPU a point written is steadier from run to run than throughput on 2 shared cores.
  const cpuCosts = rounds.map(({ plain, fanned }) => (fanned[run].cpuUs / plain[run].cpuUs - 1) * 100);
  if (fanOutRounds > 1) {
    console.log(`${run} server: fan-out cost median ${median(costs).toFixed(1)} % (${costs.map((c) => c.toFixed(1)).join(', ')})`);
    console.log(`${run} server: fan-out CPU a point median +${median(cpuCosts).toFixed(1)} % (${cpuCosts.map((c) => c.toFixed(1)).join(', ')})`);
  }
  const suffix = run === 'cold' ? '' : 'Warm';
  const of = fanOutRounds > 1 ? ` (median of ${fanOutRounds} rounds)` : '';
  metrics[`ingestWithoutFanOut${suffix}`] = { value: median(rounds.map((r) => r.plain[run].rate)), unit: `points/s${of}`, higherIsBetter: true };
  metrics[`ingestWithFanOut${suffix}`] = { value: median(rounds.map((r) => r.fanned[run].rate)), unit: `points/s${of}`, higherIsBetter: true };
  metrics[`fanOutCost${suffix}`] = { value: median(costs), unit: `% of ingest throughput${of}`, higherIsBetter: false };
  metrics[`fanOutCpuCost${suffix}`] = { value: median(cpuCosts), unit: `% more server CPU a point written${of}`, higherIsBetter: false };
}

await report({
  benchmark: 'lifecycle',
  startedAt,
  commit: currentCommit(),
  config: { series: workload.series, pointsPerSeries: workload.pointsPerSeries, serverArgs: args.join(' '), fanOutRounds, cores: os.availableParallelism() },
  metrics,
});
