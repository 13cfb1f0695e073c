/**
 * Many series written a point at a time: SERIES series, one point each a request, REQUESTS
 * requests into a fresh server, then quiet until its idle flush has run. Prints the server's
 * RSS before the flush and at the end, its peak, the flush's seconds (from /metrics, all
 * shards) and the server's CPU time. What a workload of many series written now and then
 * (per-container metrics, say) costs in memory, where the peer bench writes few series often.
 *
 * Run: npm run build && node dist/bench/many-series.js   (SERIES=200000 REQUESTS=6 IDLE_MS=10000)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../test/helpers/server.js';
import { cpuSeconds, RssSampler, vmBytes } from './lib/proc.js';
import { currentCommit, report } from './lib/results.js';

const SERIES = Number(process.env.SERIES ?? 200_000);
const REQUESTS = Number(process.env.REQUESTS ?? 6);
const IDLE_MS = Number(process.env.IDLE_MS ?? 10_000);
const MiB = 1024 * 1024;

function body(round: number): string {
  const entries: string[] = [];
  for (let i = 0; i < SERIES; i++) entries.push(`{"name":"m${i}","columns":["time","v"],"points":[[${round + 1},${round}]]}`);
  return `[${entries.join(',')}]`;
}

/** Flushes finished and their seconds, summed over the shards. */
async function flushes(baseUrl: string): Promise<{ count: number; seconds: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let count = 0;
  let seconds = 0;
  for (const [, name, value] of text.matchAll(/^sluice_shard_(operations_total|operation_seconds_total)\{shard="\d+",operation="flush"\} (\S+)$/gm)) {
    if (name === 'operations_total') count += Number(value);
    else seconds += Number(value);
  }
  return { count, seconds };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-many-series-'));
const server = await startServer({ dataDir, args: ['--flush-idle-ms', String(IDLE_MS)] });
const auth = 'u=root&p=root';
try {
  await fetch(`${server.baseUrl}/db?${auth}`, { method: 'POST', body: JSON.stringify({ name: 'many' }) });
  const rss = new RssSampler(server.pid);
  for (let round = 0; round < REQUESTS; round++) {
    const response = await fetch(`${server.baseUrl}/db/many/series?${auth}&time_precision=s`, { method: 'POST', body: body(round) });
    if (response.status !== 200) throw new Error(`request ${round}: ${response.status} ${await response.text()}`);
  }
  const beforeFlush = vmBytes(server.pid, 'VmRSS') ?? 0;
  const flushedBefore = (await flushes(server.baseUrl)).count;
  // Past the idle time, until every shard has flushed once more (or a minute has gone by).
  const deadline = Date.now() + IDLE_MS + 60_000;
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  let flushed = await flushes(server.baseUrl);
  while (flushed.count < flushedBefore + 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    flushed = await flushes(server.baseUrl);
  }
  const afterFlush = vmBytes(server.pid, 'VmRSS') ?? 0;
  const peak = rss.stop();
  await report({
    benchmark: 'many-series',
    startedAt: new Date().toISOString(),
    commit: currentCommit(),
    config: { series: SERIES, requests: REQUESTS, idleMs: IDLE_MS },
    metrics: {
      rssBeforeFlushMiB: { value: Math.round(beforeFlush / MiB), unit: 'MiB', higherIsBetter: false },
      rssAfterFlushMiB: { value: Math.round(afterFlush / MiB), unit: 'MiB', higherIsBetter: false },
      peakRssMiB: { value: Math.round(peak / MiB), unit: 'MiB', higherIsBetter: false },
      flushes: { value: flushed.count, unit: '', higherIsBetter: false },
      flushSeconds: { value: Number(flushed.seconds.toFixed(2)), unit: 's (all shards)', higherIsBetter: false },
      serverCpuSeconds: { value: Number(cpuSeconds(server.pid).toFixed(2)), unit: 's', higherIsBetter: false },
    },
  });
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
