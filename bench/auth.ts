/**
 * What permissions cost (issue 7's targets):
 * (a) server CPU per point of the ingest workload written as a database user (`u`/`p` on
 *     every request, checked through the credential cache and its write permissions on the
 *     parse threads) against the same writes by the cluster admin — target ≤ 5 % more;
 * (b) a query as a user whose whereClause limits the series, against root running the same
 *     query with the clause written in by hand — target ≤ 1.2× the time.
 * Phases alternate (admin, user, admin, user, …) so drift on a shared machine hits both alike;
 * each ingest phase runs on a fresh server, and queries report the best of their runs.
 *
 * Run: npm run build && node dist/bench/auth.js          (about 50 s on 2 cores)
 * Options: --points-per-phase N, --rounds N, --query-points N
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset } from './lib/dataset.js';
import { BenchClient } from './lib/http.js';
import { startBenchServer } from './lib/ingest-run.js';
import type { TestServer } from '../test/helpers/server.js';
import { cpuSeconds } from './lib/proc.js';
import { currentCommit, report, type Metric } from './lib/results.js';
import { median } from './lib/timing.js';

const { values: flags } = parseArgs({
  options: {
    'points-per-phase': { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '4' },
    'query-points': { type: 'string', default: '200000' },
    'query-runs': { type: 'string', default: '15' },
  },
  strict: true,
});
const pointsPerPhase = Number(flags['points-per-phase']);
const rounds = Number(flags.rounds);
const queryPoints = Number(flags['query-points']);
const queryRuns = Number(flags['query-runs']);
const SERIES = 100;
const BATCH = 5000;
const CONNECTIONS = 4;
const CUSTOMERS = 10;

const ROOT = 'u=root&p=root';
const WRITER = 'u=writer&p=writerpass';
const READER = 'u=reader&p=readerpass';

/** A fresh server with the bench database, its restricted users, and a client for it. */
async function openServer(): Promise<{ server: TestServer; client: BenchClient; dataDir: string; ok: Send }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-auth-'));
  const server = await startBenchServer(dataDir, []);
  const client = new BenchClient(server.baseUrl, CONNECTIONS);
  const ok: Send = async (method, pathAndQuery, body) => {
    const bytes = body === undefined || Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const reply = await client.send(method, pathAndQuery, bytes);
    if (reply.status >= 300) throw new Error(`${method} ${pathAndQuery}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
    return reply.body;
  };
  await ok('POST', `/db?${ROOT}`, { name: 'bench' });
  await ok('POST', `/db/bench/users?${ROOT}`, { name: 'writer', password: 'writerpass', writePermissions: [{ matcher: '^cpu\\.' }] });
  await ok('POST', `/db/bench/users?${ROOT}`, {
    name: 'reader',
    password: 'readerpass',
    readPermissions: [{ name: 'events', whereClause: 'where customer_id = 3' }, { matcher: '.*' }],
  });
  return { server, client, dataDir, ok };
}

type Send = (method: string, pathAndQuery: string, body?: unknown) => Promise<string>;

async function closeServer(opened: { server: TestServer; client: BenchClient; dataDir: string }): Promise<void> {
  opened.client.close();
  await opened.server.stop();
  await rm(opened.dataDir, { recursive: true, force: true });
}

/**
 * (a) One phase on a fresh server, so no flush or compaction of an earlier phase is billed to
 * it: a small warm-up write, then the CPU the server spends on the whole dataset.
 */
const dataset = generateDataset(SERIES, pointsPerPhase / SERIES, BATCH);
const warmUp = generateDataset(SERIES, 100, BATCH);
async function writePhase(credentials: string): Promise<number> {
  const opened = await openServer();
  try {
    const send = async (bodies: readonly Buffer[]): Promise<void> => {
      let next = 0;
      const sendAll = async (): Promise<void> => {
        while (next < bodies.length) await opened.ok('POST', `/db/bench/series?${credentials}&time_precision=s`, bodies[next++]!);
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, sendAll));
    };
    await send(warmUp.bodies);
    const before = cpuSeconds(opened.server.pid);
    await send(dataset.bodies);
    return ((cpuSeconds(opened.server.pid) - before) / dataset.points) * 1e6;
  } finally {
    await closeServer(opened);
  }
}

const adminCpu: number[] = [];
const userCpu: number[] = [];
// ABBA order: whichever phase runs second in a pair was measured a little higher on this machine.
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) adminCpu.push(await writePhase(ROOT));
  userCpu.push(await writePhase(WRITER));
  if (r % 2 === 1) adminCpu.push(await writePhase(ROOT));
}

// (b) a whereClause-filtered query vs the clause written by hand, alternating, best of N.
const queryMs: Record<string, { filtered: number[]; byHand: number[] }> = {};
const opened = await openServer();
try {
  const rows = Array.from({ length: queryPoints }, (_, i) => [1_600_000_000 + i, i % CUSTOMERS, i % 1000]);
  for (let at = 0; at < rows.length; at += 50_000) {
    await opened.ok('POST', `/db/bench/series?${ROOT}&time_precision=s`, [{ name: 'events', columns: ['time', 'customer_id', 'value'], points: rows.slice(at, at + 50_000) }]);
  }
  const queries: Record<string, [string, string]> = {
    raw: ['select value from events', 'select value from events where customer_id = 3'],
    aggregate: ['select count(value), mean(value) from events group by time(1h)', 'select count(value), mean(value) from events group by time(1h) where customer_id = 3'],
  };
  const timeQuery = async (credentials: string, q: string): Promise<number> => {
    const began = performance.now();
    await opened.ok('GET', `/db/bench/series?${credentials}&q=${encodeURIComponent(q)}`);
    return performance.now() - began;
  };
  for (const [name, [filteredQ, byHandQ]] of Object.entries(queries)) {
    const filteredAnswer = await opened.ok('GET', `/db/bench/series?${READER}&q=${encodeURIComponent(filteredQ)}`);
    const byHandAnswer = await opened.ok('GET', `/db/bench/series?${ROOT}&q=${encodeURIComponent(byHandQ)}`);
    if (filteredAnswer !== byHandAnswer) throw new Error(`${name}: the filtered answer differs from the hand-written one`);
    const times = { filtered: [] as number[], byHand: [] as number[] };
    for (let r = 0; r < queryRuns; r++) {
      times.filtered.push(await timeQuery(READER, filteredQ));
      times.byHand.push(await timeQuery(ROOT, byHandQ));
    }
    queryMs[name] = times;
  }
} finally {
  await closeServer(opened);
}

const fixed = (values: readonly number[], digits: number): string => values.map((v) => v.toFixed(digits)).join(' ');
console.log(`CPU µs/point per phase — admin: ${fixed(adminCpu, 3)}; user: ${fixed(userCpu, 3)}`);
for (const [name, times] of Object.entries(queryMs)) console.log(`${name} ms — filtered: ${fixed(times.filtered, 1)}; by hand: ${fixed(times.byHand, 1)}`);
const metric = (value: number, unit: string): Metric => ({ value, unit, higherIsBetter: false });
const admin = median(adminCpu);
const user = median(userCpu);
const metrics: Record<string, Metric> = {
  ingestCpuPerPointAdmin: metric(admin, 'µs CPU/point'),
  ingestCpuPerPointUser: metric(user, 'µs CPU/point'),
  ingestUserOverAdmin: metric((user / admin - 1) * 100, '% more CPU'),
};
for (const [name, { filtered, byHand }] of Object.entries(queryMs)) {
  metrics[`${name}QueryFiltered`] = metric(Math.min(...filtered), 'ms (best)');
  metrics[`${name}QueryByHand`] = metric(Math.min(...byHand), 'ms (best)');
  metrics[`${name}QueryRatio`] = metric(Math.min(...filtered) / Math.min(...byHand), '× hand-written');
}
await report({
  benchmark: 'auth',
  startedAt: new Date().toISOString(),
  commit: currentCommit(),
  config: { pointsPerPhase, rounds, queryPoints, queryRuns, series: SERIES, batch: BATCH, connections: CONNECTIONS, cores: os.availableParallelism() },
  metrics,
});
