/**
 * Many series, each written a point at a time: the memtable counts the memory its chunks
 * really hold (their objects, not only their rows), so it flushes at `memtable_size` instead
 * of growing until the idle flush — 200,000 such series once held 1.3 GiB with a 128 MiB
 * memtable — and every point still reads back.
 */
import test from 'ava';
import { createDb, query, request, write } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'many';
const SERIES = 80_000;
const REQUESTS = 7;

function body(round: number): string {
  const entries: string[] = [];
  for (let i = 0; i < SERIES; i++) entries.push(`{"name":"m${i}","columns":["time","v"],"points":[[${round + 1},${round}]]}`);
  return `[${entries.join(',')}]`;
}

function flushes(metrics: string): number {
  let total = 0;
  for (const match of metrics.matchAll(/^sluice_shard_operations_total\{shard="\d+",operation="flush"\} (\d+)$/gm)) total += Number(match[1]);
  return total;
}

test('a memtable of many series written a point at a time flushes at memtable_size, and every point reads back', async (t) => {
  // No idle flush: only the memtable's size can start one. Two shards of 32 MiB: the rows
  // (some 25 bytes a point, 7 MB a shard) would not fill them, the objects that hold them do.
  const server = await startServer({ args: ['--shards', '2', '--flush-idle-ms', '3600000'], env: { SLUICE_MEMTABLE_SIZE: '32MiB' } });
  await createDb(server, DB);
  for (let round = 0; round < REQUESTS; round++) {
    // A shard whose flush lags answers 503 (its memtable is bounded): retried, as a client would.
    let result = await write(server, DB, body(round), { precision: 's' });
    for (let retries = 0; result.status === 503 && retries < 50; retries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      result = await write(server, DB, body(round), { precision: 's' });
    }
    t.is(result.status, 200, result.text);
  }
  // A flush runs in the background and is counted when its segment is written.
  let metrics = '';
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    metrics = (await request(server, 'GET', '/metrics')).text;
    if (flushes(metrics) >= 1) break;
  }
  t.true(flushes(metrics) >= 1, `no flush:\n${metrics.split('\n').filter((line) => line.includes('flush')).join('\n')}`);
  for (const series of ['m0', `m${SERIES >> 1}`, `m${SERIES - 1}`]) {
    const result = await query(server, DB, `select v from ${series} order asc`, { time_precision: 's' });
    t.is(result.status, 200, result.text);
    const [answer] = JSON.parse(result.text) as { points: number[][] }[];
    t.deepEqual(
      answer!.points.map(([time, , v]) => [time, v]),
      Array.from({ length: REQUESTS }, (_, round) => [round + 1, round]),
      series,
    );
  }
  const counted = await query(server, DB, 'select count(v) from /m1.*/');
  t.is(counted.status, 200, counted.text);
  const series = JSON.parse(counted.text) as { points: number[][] }[];
  t.true(series.length > 1000);
  t.true(series.every((answer) => answer.points[0]![1] === REQUESTS));
});
