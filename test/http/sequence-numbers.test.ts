/**
 * Server-assigned sequence numbers (http-api.md §4.4) only grow, across kill -9 and restarts,
 * and no number a client writes moves them: each later write gets numbers above every earlier
 * server-assigned one, and no two points collapse into one.
 */
import test, { type ExecutionContext } from 'ava';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createDb, query, write, writeOk } from '../helpers/client.js';
import { parseNumbersAsText } from '../helpers/exact-json.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'seq';
const MAX_SEQUENCE_NUMBER = 9007199254740991n;
/** Points a day old, so the default query range (up to now) holds them. */
const BASE_MS = Date.now() - 86_400_000;

test.after.always(cleanupServers);

let nextTime = 0;

/** Writes `count` points without sequence numbers, each at a new time. */
async function writeServerNumbered(server: TestServer, count: number): Promise<void> {
  const points = Array.from({ length: count }, () => [BASE_MS + nextTime++, 1]);
  await writeOk(server, DB, [{ name: 'points', columns: ['time', 'v'], points }]);
}

/** Every point's sequence number, exactly. */
async function sequenceNumbers(server: TestServer): Promise<bigint[]> {
  const result = await query(server, DB, 'select * from points order asc');
  if (result.status !== 200) throw new Error(`${result.status} ${result.text}`);
  const [series] = parseNumbersAsText(result.text) as { points: string[][] }[];
  return (series?.points ?? []).map((point) => BigInt(point[1]!));
}

const maxOf = (values: bigint[]): bigint => values.reduce((a, b) => (a > b ? a : b), 0n);

/** The numbers added since `before`, asserted all above it and the set free of collapses. */
function added(t: ExecutionContext, before: bigint[], after: bigint[], count: number): bigint[] {
  t.is(after.length, before.length + count, 'every point written is stored once');
  t.is(new Set(after).size, after.length, 'no two points share a sequence number');
  const fresh = after.filter((seq) => !before.includes(seq));
  const previousMax = maxOf(before);
  t.true(fresh.every((seq) => seq > previousMax), `new ${fresh.join(',')} not all above ${previousMax}`);
  return fresh;
}

async function startWithDb(): Promise<TestServer> {
  const server = await startServer();
  await createDb(server, DB);
  return server;
}

/** Writes one point that brings its own sequence number. */
async function writeClientNumbered(server: TestServer, seq: bigint): Promise<void> {
  const point = `[${BASE_MS + nextTime++},${seq},1]`;
  await writeOk(server, DB, `[{"name":"points","columns":["time","sequence_number","v"],"points":[${point}]}]`);
}

/**
 * The same data directory in a new process: after kill -9, or after a clean stop with
 * sequence.json removed, as a directory written before that file existed.
 */
async function restart(t: ExecutionContext, server: TestServer, how: 'kill -9' | 'without sequence.json'): Promise<TestServer> {
  if (how === 'kill -9') {
    await server.kill9();
  } else {
    t.is(await server.stop(), 0);
    await rm(path.join(server.dataDir, 'sequence.json'));
  }
  return startServer({ dataDir: server.dataDir });
}

const RESUMES = {
  'kill -9': 'numbers keep growing across kill -9',
  'without sequence.json': 'a data directory from before sequence.json resumes after its highest number',
} as const;

for (const [how, title] of Object.entries(RESUMES) as [keyof typeof RESUMES, string][]) {
  test.serial(title, async (t) => {
    const server = await startWithDb();
    await writeServerNumbered(server, 5);
    const before = await sequenceNumbers(server);
    const restarted = await restart(t, server, how);
    await writeServerNumbered(restarted, 5);
    added(t, before, await sequenceNumbers(restarted), 5);
    await restarted.kill9();
  });
}

test.serial("a client's largest sequence number does not move the server's numbers, before or after kill -9", async (t) => {
  const server = await startWithDb();
  await writeServerNumbered(server, 3);
  await writeClientNumbered(server, MAX_SEQUENCE_NUMBER);
  await writeServerNumbered(server, 3);
  const serverNumbered = (seqs: bigint[]): bigint[] => seqs.filter((seq) => seq !== MAX_SEQUENCE_NUMBER);
  const before = await sequenceNumbers(server);
  t.true(before.includes(MAX_SEQUENCE_NUMBER));
  const restarted = await restart(t, server, 'kill -9');
  await writeServerNumbered(restarted, 3);
  const after = serverNumbered(await sequenceNumbers(restarted));
  added(t, serverNumbered(before), after, 3);
  t.true(maxOf(after) < 2n ** 40n, 'the counter stays far from the bound');
  await restarted.kill9();
});

test.serial('an old data directory holding the largest number fails server-numbered writes loudly, not silently', async (t) => {
  const server = await startWithDb();
  await writeClientNumbered(server, MAX_SEQUENCE_NUMBER);
  const restarted = await restart(t, server, 'without sequence.json');
  const refused = await write(restarted, DB, [{ name: 'points', columns: ['time', 'v'], points: [[BASE_MS + nextTime++, 1]] }]);
  t.is(refused.status, 500);
  t.regex(refused.text, /^Sequence numbers exhausted/);
  // Points that bring their own numbers are still taken.
  await writeClientNumbered(restarted, 5n);
  t.deepEqual(await sequenceNumbers(restarted), [MAX_SEQUENCE_NUMBER, 5n]);
  await restarted.kill9();
});
