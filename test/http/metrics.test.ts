/**
 * `GET /metrics`: Prometheus text, unauthenticated; its counters move with writes (JSON and
 * line protocol), queries and requests, the shards' WAL and flush timings with the shards'
 * work, each thread's CPU time with the work it does, and the process metrics are there.
 */
import test from 'ava';
import { createDb, query, request, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';
import { statCpuSeconds } from '../../src/util/proc-stat.js';

let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2', '--flush-idle-ms', '50'] });
  await createDb(server, 'm');
});

test.after.always(cleanupServers);

/** Sample name with labels (as written) → value. */
async function scrape(): Promise<Map<string, number>> {
  const result = await request(server, 'GET', '/metrics', { auth: null });
  if (result.status !== 200) throw new Error(`GET /metrics: ${result.status} ${result.text}`);
  const samples = new Map<string, number>();
  for (const line of result.text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include all of `labels`. */
function total(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

test('counters move with writes, queries and requests; shard timings and process metrics are reported', async (t) => {
  const scraped = await request(server, 'GET', '/metrics', { auth: null });
  t.is(scraped.status, 200);
  t.regex(scraped.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const before = await scrape();

  await writeOk(server, 'm', [{ name: 'a', columns: ['v'], points: [[1], [2], [3]] }]);
  const lines = await request(server, 'POST', '/write', { params: { db: 'm' }, body: 'b,host=x v=1\nb,host=y v=2\n' });
  t.is(lines.status, 204, lines.text);
  t.is((await query(server, 'm', 'select * from a')).status, 200);
  t.is((await query(server, 'm', 'select * from /b/')).status, 200);
  // An idle memtable flushes after --flush-idle-ms.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await scrape();

  const moved = (name: string, labels: Record<string, string> = {}): number => total(after, name, labels) - total(before, name, labels);
  t.is(moved('sluice_writes_total', { input: 'http_json' }), 1);
  t.is(moved('sluice_writes_total', { input: 'http_line' }), 1);
  t.is(moved('sluice_points_written_total', { input: 'http_json' }), 3);
  t.is(moved('sluice_points_written_total', { input: 'http_line' }), 2);
  t.is(moved('sluice_queries_total'), 2);
  t.is(moved('sluice_http_request_duration_seconds_count', { handler: 'writeSeries', method: 'POST' }), 1);
  t.is(moved('sluice_http_request_duration_seconds_count', { handler: 'querySeries', method: 'GET' }), 2);
  t.true(moved('sluice_http_request_duration_seconds_sum', { handler: 'querySeries' }) > 0);
  t.true(moved('sluice_shard_operations_total', { operation: 'wal_append' }) >= 2);
  t.true(moved('sluice_shard_operations_total', { operation: 'wal_fsync' }) >= 2, 'wal_fsync=always syncs each write');
  t.true(moved('sluice_shard_operations_total', { operation: 'flush' }) >= 1);
  t.true(moved('sluice_shard_operation_seconds_total', { operation: 'wal_fsync' }) > 0);
  for (const gauge of ['sluice_parse_queue_bytes', 'sluice_parse_queue_tasks']) t.true(after.has(gauge), gauge);
  t.true(after.has('sluice_shard_queue_bytes{shard="1"}'));
  t.true(after.has('sluice_shard_queue_operations{shard="0"}'));
  t.true(total(after, 'process_resident_memory_bytes') > 0);
  t.true(total(after, 'nodejs_heap_size_used_bytes') > 0);
});

/** The process's CPU seconds as Linux counts them. */
function processCpuSeconds(pid: number): number {
  const seconds = statCpuSeconds(`/proc/${pid}/stat`);
  if (seconds === undefined) throw new Error(`no CPU time for process ${pid}`);
  return seconds;
}

// Serial: its writes would move the counters the test above counts.
test.serial('each thread’s CPU time is reported by name and moves with the work that thread does', async (t) => {
  const THREAD_CPU = 'sluice_thread_cpu_seconds_total';
  const threadsOf = (samples: Map<string, number>): string[] =>
    [...samples.keys()].filter((key) => key.startsWith(`${THREAD_CPU}{`)).map((key) => /thread="([^"]*)"/.exec(key)![1]!);
  const before = await scrape();
  const names = threadsOf(before);
  for (const name of ['main', 'shard-0', 'shard-1', 'other']) t.true(names.includes(name), `${name} in ${names.join(', ')}`);
  t.true(names.some((name) => /^parse-\d+$/.test(name)), names.join(', '));
  t.deepEqual(
    names.filter((name) => !/^(main|other|parse-\d+|shard-[01])$/.test(name)),
    [],
  );

  // Work for the parse threads and both shards: 400,000 points over 64 series.
  const series = Array.from({ length: 64 }, (_, s) => ({
    name: `busy${s}`,
    columns: ['time', 'value'],
    points: Array.from({ length: 625 }, (_, i) => [1_000_000 + i, s + i / 8]),
  }));
  for (let round = 0; round < 10; round++) await writeOk(server, 'm', JSON.stringify(series.map((one) => ({ ...one, points: one.points.map(([time, value]) => [time! + round * 1000, value]) }))), { precision: 's' });
  const after = await scrape();
  const seconds = (samples: Map<string, number>, pattern: RegExp): number =>
    [...samples].filter(([key]) => key.startsWith(`${THREAD_CPU}{`) && pattern.test(/thread="([^"]*)"/.exec(key)![1]!)).reduce((sum, [, value]) => sum + value, 0);
  for (const pattern of [/^main$/, /^parse-\d+$/, /^shard-\d+$/]) {
    t.true(seconds(after, pattern) > seconds(before, pattern), `${pattern}: ${seconds(before, pattern)} → ${seconds(after, pattern)}`);
  }
  // The threads' times are the process's, read apart: together no more than the whole process
  // (read after the scrape), and most of it (threads that ended before the first scrape aside).
  const processSeconds = processCpuSeconds(server.pid);
  const threadSeconds = seconds(after, /./);
  t.true(threadSeconds <= processSeconds + 0.02, `threads ${threadSeconds} s, process ${processSeconds} s`);
  t.true(threadSeconds >= 0.8 * processSeconds, `threads ${threadSeconds} s, process ${processSeconds} s`);
});
