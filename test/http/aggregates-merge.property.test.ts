/**
 * Property, over HTTP: an aggregate over `a merge b` equals the same aggregate over one
 * series holding the union of both series' points — for every function, both query
 * orders, with and without group by time, over random typed values (ints, floats, strings,
 * bools, nulls) and times that tie across the two series. The union series is written with
 * sequence numbers that put b's point first on equal times in the query's direction, as the
 * merge does (query-language.md §10.1), so first/last/difference/distinct see the same order.
 * The series pairs land on one shard or on two.
 */
import test from 'ava';
import fc from 'fast-check';
import { createDb, querySeries, writeOk, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'mergeprop';
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
});

test.after.always(cleanupServers);

const FUNCTIONS = [
  'count(v)',
  'count(distinct(v))',
  'sum(v)',
  'mean(v)',
  'min(v)',
  'max(v)',
  'median(v)',
  'percentile(v, 90)',
  'mode(v)',
  'distinct(v)',
  'histogram(v, 2)',
  'stddev(v)',
  'derivative(v)',
  'difference(v)',
  'first(v)',
  'last(v)',
  'top(v, 2)',
  'bottom(v, 2)',
];

type Value = number | string | boolean | null;
interface Point {
  readonly time: number;
  readonly v: Value;
}

// Halves and small ints add up exactly in any order, so sums of the union and of the merge agree.
const value: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.integer({ min: -20, max: 20 }).map((n) => n + 0.5),
  fc.constantFrom('x', 'y'),
  fc.boolean(),
  fc.constant(null),
);
const points: fc.Arbitrary<Point[]> = fc.uniqueArray(fc.record({ time: fc.integer({ min: 0, max: 40 }), v: value }), { selector: (p) => p.time, maxLength: 12 });

/** `w` keeps a point whose v is null. */
function series(name: string, rows: readonly (Point & { seq?: number })[]): SeriesInput {
  return rows.some((p) => p.seq !== undefined)
    ? { name, columns: ['time', 'sequence_number', 'v', 'w'], points: rows.map((p) => [p.time, p.seq!, p.v, 1]) }
    : { name, columns: ['time', 'v', 'w'], points: rows.map((p) => [p.time, p.v, 1]) };
}

async function answerPoints(q: string): Promise<unknown[][] | undefined> {
  const [result] = await querySeries(server, DB, q, { time_precision: 's' });
  return result?.points;
}

/** Numbers equal to 1e-12 relative (stddev and mean combine partials in another order). */
function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]));
  return a === b;
}

let run = 0;

test('an aggregate over a merge equals the aggregate over the union of both series', async (t) => {
  await fc.assert(
    fc.asyncProperty(points, points, async (left, right) => {
      const k = run++;
      const [a, b] = [`a${k}`, `b${k}`];
      // Sequence numbers only order a time's two points: b first ascending (asc), b first descending (desc).
      const union = (bFirstAscending: boolean): (Point & { seq: number })[] => [
        ...left.map((p) => ({ ...p, seq: bFirstAscending ? 2 : 1 })),
        ...right.map((p) => ({ ...p, seq: bFirstAscending ? 1 : 2 })),
      ];
      const written = [series(a, left), series(b, right), series(`asc${k}`, union(true)), series(`desc${k}`, union(false))].filter((s) => s.points.length > 0);
      if (written.length > 0) await writeOk(server, DB, written, { precision: 's' });
      if (left.length === 0 || right.length === 0) return;
      for (const order of ['asc', 'desc'] as const) {
        for (const fn of FUNCTIONS) {
          for (const group of ['', 'group by time(10s)']) {
            const merged = await answerPoints(`select ${fn} from ${a} merge ${b} ${group} order ${order}`);
            const whole = await answerPoints(`select ${fn} from ${order}${k} ${group} order ${order}`);
            if (!close(merged, whole)) {
              t.log({ fn, group, order, left, right, merged, whole });
              return false;
            }
          }
        }
      }
      return true;
    }),
    { numRuns: 15 },
  );
  t.pass();
});
