/**
 * Queries at the edges of the language, over HTTP: nested counts, deep parentheses, two time
 * bounds in one second (query-language.md §6.3), int literals past int64 (§2.6), histogram
 * sizes, and aggregates whose rows multiply (functions.md §1.4). Each once answered a 500,
 * a wrong range or number, or an answer that grew without bound.
 */
import test from 'ava';
import { createDb, query, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'edges';

let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  const hundred = Array.from({ length: 100 }, (_, i) => [i + 1, i + 1]);
  await writeOk(server, DB, [{ name: 'dx', columns: ['time', 'v'], points: hundred }], { precision: 's' });
  const ms = [[4000, 1], [5100, 2], [5300, 3], [5600, 4]];
  await writeOk(server, DB, [{ name: 'ms', columns: ['time', 'v'], points: ms }], { precision: 'ms' });
});

test.after.always(cleanupServers);

async function points(q: string): Promise<unknown[][]> {
  const [series] = await querySeries(server, DB, q);
  return series?.points ?? [];
}

/** Raw rows without their sequence numbers, which depend on the server's counter. */
function withoutSeq(rows: unknown[][]): unknown[][] {
  return rows.map(([time, , ...values]) => [time, ...values]);
}

async function refusal(q: string): Promise<[number, string]> {
  const result = await query(server, DB, q);
  return [result.status, result.text];
}

test('count nests inside count: each level counts the rows of the one inside', async (t) => {
  t.deepEqual(await points('select count(count(v)) from dx'), [[0, 1]]);
  t.deepEqual(await points('select count(count(count(v))) from dx'), [[0, 1]]);
  t.deepEqual(await points('select count(count(distinct(v))) from dx'), [[0, 1]]);
  t.deepEqual(await points('select count(count(mean(v))) from dx group by time(50s) order asc'), [[0, 1], [50_000, 1], [100_000, 1]]);
});

test('parentheses past 100 deep are a 400, not a stack overflow', async (t) => {
  const deep = (n: number): string => `select ${'('.repeat(n)}v${')'.repeat(n)} from dx limit 1`;
  t.deepEqual(withoutSeq(await points(deep(100))), [[100_000, 100]]);
  t.deepEqual(await refusal(deep(101)), [400, 'Query nests parentheses more than 100 deep']);
  t.deepEqual(await refusal(`select * from dx where ${'('.repeat(400)}v > 1${')'.repeat(400)}`), [400, 'Query nests parentheses more than 100 deep']);
});

test('of two start or two end bounds in one second the one written later wins, as in 0.8', async (t) => {
  // Points at 4000, 5100, 5300 and 5600 ms.
  t.deepEqual(await points('select count(v) from ms where time > 5200ms and time > 5500ms'), [[0, 1]]);
  t.deepEqual(await points('select count(v) from ms where time > 5500ms and time > 5200ms'), [[0, 2]]);
  t.deepEqual(await points('select count(v) from ms where time < 5500ms and time < 5200ms'), [[0, 2]]);
  t.deepEqual(await points('select count(v) from ms where time < 5200ms and time < 5500ms'), [[0, 3]]);
  // In different seconds the earliest start and the latest end win.
  t.deepEqual(await points('select count(v) from ms where time > 10s and time > 5s'), [[0, 3]]);
  t.deepEqual(await points('select count(v) from ms where time > 3s and time > 5200ms'), [[0, 4]]);
  t.deepEqual(await points('select count(v) from ms where time < 4500ms and time < 5300ms'), [[0, 2]]);
});

test('an int literal outside int64 is a 400 wherever it is written', async (t) => {
  t.deepEqual(await refusal('select v + 18446744073709551616 from dx'), [400, 'Integer literal 18446744073709551616 is out of the int64 range']);
  t.deepEqual(await refusal('select v from dx where v < -9223372036854775809'), [400, 'Integer literal -9223372036854775809 is out of the int64 range']);
  t.deepEqual(await refusal('select count(v) from dx group by time(1s) fill(99999999999999999999)'), [400, 'Integer literal 99999999999999999999 is out of the int64 range']);
  t.deepEqual(withoutSeq(await points('select v from dx where v < 9223372036854775807 and v > -9223372036854775808 limit 1')), [[100_000, 100]]);
});

test('histogram buckets ascend whatever the sign of the size; a zero size is a 400', async (t) => {
  const ascending = [[0, 1, 1], [0, 2, 1], [0, 3, 1], [0, 4, 1]];
  t.deepEqual(await points('select histogram(v, 1) from ms'), ascending);
  t.deepEqual(await points('select histogram(v, -1) from ms'), ascending);
  t.deepEqual(await points('select histogram(v, -2) from ms'), [[0, 0, 1], [0, 2, 2], [0, 4, 1]]);
  t.deepEqual(await refusal('select histogram(v, 0) from ms'), [400, 'function histogram() requires a non-zero bucket size']);
});

test('aggregates whose rows multiply past a million in one group are a 400 unless a limit reads fewer', async (t) => {
  t.is((await points('select distinct(v), distinct(v) from dx')).length, 10_000);
  const four = 'select distinct(v), distinct(v), distinct(v), distinct(v) from dx';
  t.deepEqual(await refusal(four), [400, "the aggregates' rows multiply to 100000000 rows in one group; at most 1000000 are allowed"]);
  t.deepEqual(await points(`${four} limit 2`), [[0, 100, 100, 100, 100], [0, 99, 100, 100, 100]]);
});
