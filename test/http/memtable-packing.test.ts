/**
 * The memtable packs times, sequence numbers and float values that are short decimals
 * (storage/packed-numbers.ts) and merges chunks whose times overlap when a scan first reads
 * them (SeriesMemory.settle). Over HTTP, every point comes back exact: microsecond times a few
 * minutes apart, times years apart that do not pack, sequence numbers up to 2^53 − 1, a point
 * written twice (its newer value wins), and floats packed as decimals or kept as they are —
 * from the memtable, again after the merge, after kill -9 (replayed from the WAL) and after a
 * clean stop (read from segments).
 */
import test, { type ExecutionContext } from 'ava';
import { createDb, query, writeOk } from '../helpers/client.js';
import { parseNumbersAsText } from '../helpers/exact-json.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'packing';

test.after.always(cleanupServers);

type Row = [time: bigint, seq: bigint, v: number];

/** Microseconds a few minutes apart, jittered, in three requests whose time ranges interleave. */
const NEAR_REQUESTS: Row[][] = [0, 1, 2].map((r) =>
  Array.from({ length: 40 }, (_, i): Row => [1_704_067_200_000_000n + BigInt(i * 3 + r) * 1_000_003n + BigInt((i * 7919) % 1000), BigInt((r * 40 + i) * 10_000 + 1), r * 100 + i]),
);
/** The first point of the first request again, same time and sequence number, a new value. */
const REWRITE: Row = [NEAR_REQUESTS[0]![0]![0], NEAR_REQUESTS[0]![0]![1], -1];

/** Times from 1970 to 2026 at odd microseconds, sequence numbers up to the largest exact one. */
const FAR: Row[] = [
  [7n, 9_007_199_254_740_991n, 1],
  [1_000_000_000_000_001n, 3n, 2],
  [1_767_225_600_000_013n, 4_503_599_627_370_497n, 3],
  [1_767_225_600_000_013n, 5n, 4],
];

function body(name: string, rows: readonly Row[]): string {
  return JSON.stringify([{ name, columns: ['time', 'sequence_number', 'v'], points: [] }]).replace('"points":[]', `"points":[${rows.map(([time, seq, v]) => `[${time},${seq},${v}]`).join(',')}]`);
}

/** The rows a series should hold: by time then sequence number, a rewritten point's newer value. */
function expected(rows: readonly Row[]): string[][] {
  const byKey = new Map<string, Row>();
  for (const row of rows) byKey.set(`${row[0]}/${row[1]}`, row);
  return [...byKey.values()]
    .sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([time, seq, v]) => [String(time), String(seq), String(v)]);
}

async function stored(server: TestServer, series: string): Promise<string[][]> {
  const result = await query(server, DB, `select * from ${series} order asc`, { time_precision: 'u' });
  if (result.status !== 200) throw new Error(`${result.status} ${result.text}`);
  const [answer] = parseNumbersAsText(result.text) as { points: string[][] }[];
  return answer?.points ?? [];
}

async function assertAll(t: ExecutionContext, server: TestServer, when: string): Promise<void> {
  t.deepEqual(await stored(server, 'near'), expected([...NEAR_REQUESTS.flat(), REWRITE]), `near, ${when}`);
  t.deepEqual(await stored(server, 'far'), expected(FAR), `far, ${when}`);
}

test('every time and sequence number comes back exact from memtable chunks, merged, replayed and flushed', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  // A query after each request seals what it wrote into a chunk of its own: three chunks whose
  // times overlap, and a fourth holding the rewritten point.
  for (const rows of NEAR_REQUESTS) {
    await writeOk(server, DB, body('near', rows), { precision: 'u' });
    t.true((await stored(server, 'near')).length > 0);
  }
  await writeOk(server, DB, body('near', [REWRITE]), { precision: 'u' });
  await writeOk(server, DB, body('far', FAR), { precision: 'u' });
  await assertAll(t, server, 'first read');
  await assertAll(t, server, 'read again, merged');

  await server.kill9();
  const replayed = await startServer({ dataDir: server.dataDir });
  await assertAll(t, replayed, 'after kill -9');

  t.is(await replayed.stop(), 0);
  const flushed = await startServer({ dataDir: server.dataDir });
  await assertAll(t, flushed, 'after a clean stop');
  await flushed.kill9();
});

/**
 * A series' rows, one per second from 2024, one column `v`, each value as `format` writes it
 * (a JSON number without a fraction or exponent is an int: two decimals keep a column floats).
 */
function floatsBody(name: string, values: readonly number[], format: (v: number) => string): string {
  const points = values.map((v, i) => `[${1_704_067_200 + i},${format(v)}]`).join(',');
  return `[{"name":${JSON.stringify(name)},"columns":["time","v"],"points":[${points}]}]`;
}

/**
 * Chunks of more rows than a tiny chunk holds: decimals spanning less than 2^16 steps, more
 * than that, and floats that are no short decimal (kept as they are), awkward ones among them.
 */
const twoDecimals = (v: number): string => v.toFixed(2);
const FLOAT_SERIES: Record<string, [values: number[], format: (v: number) => string]> = {
  short: [Array.from({ length: 200 }, (_, i) => (((i * 7919) % 1000) - 500) / 100), twoDecimals],
  wide: [Array.from({ length: 200 }, (_, i) => ((i * 7919) % 1_000_000) / 100 - 3000), twoDecimals],
  awkward: [Array.from({ length: 200 }, (_, i) => [1e300, 5e-324, 0.1 + 0.2, 1.7976931348623157e308, -2.5e-7, 12.5][i % 6]! * (i % 2 === 0 ? 1 : -1)), JSON.stringify],
  thirds: [Array.from({ length: 200 }, (_, i) => (i + 1) / 3), JSON.stringify],
};

test('every float value comes back bit for bit from memtable chunks, packed as decimals or not, replayed and flushed', async (t) => {
  const server = await startServer();
  await createDb(server, DB);
  for (const [name, [values, format]] of Object.entries(FLOAT_SERIES)) await writeOk(server, DB, floatsBody(name, values, format), { precision: 's' });
  const check = async (on: TestServer, when: string): Promise<void> => {
    for (const [name, [written, format]] of Object.entries(FLOAT_SERIES)) {
      // Each value as the server parsed it from the text written.
      const values = written.map((v) => Number(format(v)));
      const result = await query(on, DB, `select v from ${name} order asc`);
      t.is(result.status, 200, `${name}, ${when}`);
      const [answer] = JSON.parse(result.text) as { columns: string[]; points: number[][] }[];
      const got = answer!.points.map((point) => point[answer!.columns.indexOf('v')]!);
      t.is(got.length, values.length, `${name}, ${when}`);
      t.true(
        got.every((v, i) => Object.is(v, values[i])),
        `${name}, ${when}: ${got.filter((v, i) => !Object.is(v, values[i])).slice(0, 3).join(', ')}`,
      );
    }
  };
  await check(server, 'from the memtable');
  await server.kill9();
  const replayed = await startServer({ dataDir: server.dataDir });
  await check(replayed, 'after kill -9');
  t.is(await replayed.stop(), 0);
  const flushed = await startServer({ dataDir: server.dataDir });
  await check(flushed, 'after a clean stop');
  await flushed.kill9();
});
