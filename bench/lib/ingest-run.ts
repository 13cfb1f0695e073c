/**
 * One ingest benchmark run: generate every request body, start a server (or use a running
 * one), send the bodies over C keep-alive connections, then measure what the server paid:
 * peak memory, CPU per point, bytes on disk after a flushing stop, and restart-to-ready time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../../test/helpers/server.js';
import { diskUsage } from './disk.js';
import { generateDataset, LAST_POINT_AGE_S, seriesName, type BodyFormat } from './dataset.js';
import { BenchClient, seriesPath, waitUntil } from './http.js';
import type { Workload } from './options.js';
import { cpuSeconds, RssSampler } from './proc.js';
import { perRoleMetrics, perThreadLine, threadSeconds } from './thread-cpu.js';
import { currentCommit, report, type BenchResult, type Metric } from './results.js';
import { percentile } from './timing.js';

export const BENCH_DB = 'bench';
const SERVER_START_TIMEOUT_MS = 600_000;

export interface IngestOptions {
  readonly workload: Workload;
  /** 0.8 JSON to `/db/:db/series` (default) or line protocol to `/write`. */
  readonly format?: BodyFormat;
  /** A running server; otherwise one is started. */
  readonly url?: string;
  readonly pid?: number;
  readonly dataDir?: string;
  readonly serverArgs: readonly string[];
  /** Keep the data directory of a started server (always kept when `dataDir` was given). */
  readonly keep: boolean;
  /** Time of every series' last point, s; by default about an hour ago. */
  readonly lastTimeS?: number;
}

export interface IngestOutcome {
  readonly result: BenchResult;
  /** Where the data is, when this run started the server and kept the directory. */
  readonly dataDir?: string;
}

const metric = (value: number, unit: string, higherIsBetter: boolean): Metric => ({ value, unit, higherIsBetter });

export async function startBenchServer(dataDir: string, serverArgs: readonly string[]): Promise<TestServer> {
  return startServer({ dataDir, args: [...serverArgs], startTimeoutMs: SERVER_START_TIMEOUT_MS });
}

/** Milliseconds from spawn until /ping answers and a one-series query returns a point. */
export async function restartToReady(
  dataDir: string,
  serverArgs: readonly string[],
  format: BodyFormat = 'json',
): Promise<{ server: TestServer; listeningMs: number; pingMs: number; queryMs: number }> {
  const spawnedAt = performance.now();
  const server = await startBenchServer(dataDir, serverArgs);
  const listeningMs = performance.now() - spawnedAt;
  const client = new BenchClient(server.baseUrl, 1);
  try {
    const pingMs = await waitUntil(async () => (await client.send('GET', '/ping')).status === 200, spawnedAt, SERVER_START_TIMEOUT_MS, '/ping');
    const queryMs = await waitUntil(
      async () => {
        const reply = await client.send('GET', seriesPath(BENCH_DB, `select * from "${seriesName(1, format)}" limit 1`));
        return reply.status === 200 && reply.body.includes('"points":[[');
      },
      spawnedAt,
      SERVER_START_TIMEOUT_MS,
      'a query of one series',
    );
    return { server, listeningMs, pingMs, queryMs };
  } finally {
    client.close();
  }
}

/** The "now" that makes the dataset end at `lastTimeS` (see generateDataset). */
function nowMsFor(lastTimeS: number | undefined): number | undefined {
  return lastTimeS === undefined ? undefined : (lastTimeS + LAST_POINT_AGE_S) * 1000;
}

export async function runIngest(options: IngestOptions): Promise<IngestOutcome> {
  const { workload } = options;
  const format = options.format ?? 'json';
  const startedAt = new Date().toISOString();
  console.log(
    `ingest: S=${workload.series} series × P=${workload.pointsPerSeries} points, ` +
      `B=${workload.batch} points/request, C=${workload.connections} connections, ${format} bodies`,
  );

  let generation = performance.now();
  const dataset = generateDataset(workload.series, workload.pointsPerSeries, workload.batch, nowMsFor(options.lastTimeS), format);
  generation = performance.now() - generation;
  console.log(
    `generated ${dataset.bodies.length} requests, ${dataset.points.toLocaleString('en-US')} points, ` +
      `${(dataset.bytes / 1e6).toFixed(2)} MB in ${(generation / 1000).toFixed(1)} s`,
  );

  const ownsDataDir = options.url === undefined && options.dataDir === undefined;
  const dataDir =
    options.url !== undefined ? undefined : (options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-'))));
  let server: TestServer | undefined;
  if (dataDir !== undefined) {
    server = await startBenchServer(dataDir, options.serverArgs);
    console.log(`server pid ${server.pid} on ${server.baseUrl}, data in ${dataDir}`);
  }
  const baseUrl = server?.baseUrl ?? options.url!;
  const pid = server?.pid ?? options.pid;

  const client = new BenchClient(baseUrl, workload.connections);
  const created = await client.send('POST', '/db?u=root&p=root', Buffer.from(JSON.stringify({ name: BENCH_DB })));
  if (created.status !== 201) throw new Error(`create database ${BENCH_DB}: HTTP ${created.status} ${created.body}`);

  const sampler = pid === undefined ? undefined : new RssSampler(pid);
  const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
  const threadsBefore = await threadSeconds(client);
  const latencies: number[] = [];
  const writePath = format === 'json' ? `/db/${BENCH_DB}/series?u=root&p=root&time_precision=s` : `/write?db=${BENCH_DB}&u=root&p=root&precision=s`;
  const okStatus = format === 'json' ? 200 : 204;
  let next = 0;
  const sendAll = async (): Promise<void> => {
    while (next < dataset.bodies.length) {
      const body = dataset.bodies[next++]!;
      const sent = performance.now();
      const reply = await client.send('POST', writePath, body);
      latencies.push(performance.now() - sent);
      if (reply.status !== okStatus) throw new Error(`write: HTTP ${reply.status} ${reply.body.slice(0, 500)}`);
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: workload.connections }, sendAll));
  const elapsedS = (performance.now() - began) / 1000;
  const cpu = pid === undefined ? undefined : cpuSeconds(pid) - cpuBefore;
  const threadsAfter = await threadSeconds(client);
  const peakRss = sampler?.stop();
  if (threadsAfter.size > 0) console.log(`server CPU by thread: ${perThreadLine(threadsBefore, threadsAfter, dataset.points)} µs a point`);
  client.close();
  latencies.sort((a, b) => a - b);

  const metrics: Record<string, Metric> = {
    pointsPerSecond: metric(dataset.points / elapsedS, 'points/s', true),
    megabytesPerSecond: metric(dataset.bytes / 1e6 / elapsedS, `MB/s of ${format === 'json' ? 'JSON' : 'line protocol'}`, true),
    requestP50: metric(percentile(latencies, 50), 'ms', false),
    requestP99: metric(percentile(latencies, 99), 'ms', false),
  };
  if (peakRss !== undefined) metrics.serverPeakRss = metric(peakRss / 2 ** 20, 'MiB', false);
  if (cpu !== undefined) metrics.serverCpuPerPoint = metric((cpu / dataset.points) * 1e6, 'µs CPU/point', false);
  Object.assign(metrics, perRoleMetrics([[threadsBefore, threadsAfter]], dataset.points, 'server'));

  if (server !== undefined && dataDir !== undefined) {
    const stopBegan = performance.now();
    const exitCode = await server.stop();
    metrics.gracefulStop = metric(performance.now() - stopBegan, 'ms', false);
    if (exitCode !== 0) console.warn(`warning: server exited with code ${exitCode} on SIGTERM`);

    const disk = await diskUsage(dataDir);
    metrics.diskBytesPerPoint = metric(disk.allocatedBytes / dataset.points, 'B/point (du, all files)', false);
    metrics.diskBytesPerPointNoWal = metric(
      (disk.allocatedBytes - disk.walAllocatedBytes) / dataset.points,
      'B/point (du, without WAL)',
      false,
    );
    metrics.fileBytesPerPoint = metric(disk.apparentBytes / dataset.points, 'B/point (file sizes, all)', false);
    metrics.fileBytesPerPointNoWal = metric(
      (disk.apparentBytes - disk.walApparentBytes) / dataset.points,
      'B/point (file sizes, without WAL)',
      false,
    );
    console.log(
      `data dir after stop: ${disk.files} files, ${(disk.apparentBytes / 1e6).toFixed(1)} MB ` +
        `(WAL ${(disk.walApparentBytes / 1e6).toFixed(1)} MB)`,
    );

    const ready = await restartToReady(dataDir, options.serverArgs, format);
    metrics.restartToListening = metric(ready.listeningMs, 'ms', false);
    metrics.restartToPing = metric(ready.pingMs, 'ms', false);
    metrics.restartToQuery = metric(ready.queryMs, 'ms', false);
    await ready.server.stop();
  }

  const keep = !ownsDataDir || options.keep;
  if (dataDir !== undefined && !keep) await rm(dataDir, { recursive: true, force: true });

  const result: BenchResult = {
    benchmark: 'ingest',
    startedAt,
    commit: currentCommit(),
    config: {
      series: workload.series,
      pointsPerSeries: workload.pointsPerSeries,
      batch: workload.batch,
      connections: workload.connections,
      format,
      serverArgs: options.serverArgs.join(' '),
      external: options.url !== undefined,
      cores: os.availableParallelism(),
    },
    metrics,
  };
  return keep && dataDir !== undefined ? { result, dataDir } : { result };
}

/**
 * The data directory a query bench runs on: `--data-dir` as given, or a fresh ingest of the
 * workload (its results reported), which the bench removes at its end unless asked to keep it.
 */
export async function benchDataDir(given: string | undefined, workload: Workload, serverArgs: readonly string[]): Promise<{ dataDir: string; ingestedHere: boolean }> {
  if (given !== undefined) return { dataDir: given, ingestedHere: false };
  const outcome = await runIngest({ workload, serverArgs, keep: true });
  await report(outcome.result);
  return { dataDir: outcome.dataDir!, ingestedHere: true };
}
