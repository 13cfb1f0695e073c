/**
 * A user whose reads of a series are limited by a whereClause sees, through every query form,
 * exactly what a database holding only the permitted points would answer (security.md §5.1):
 * random points, random customers and random queries — raw, where, aggregates with and
 * without group by, regex selects, merge, join, list series, chunked — answered for the
 * restricted user on the full database and for root on a database of the permitted points.
 */
import test from 'ava';
import fc from 'fast-check';
import { createDb, request, streamQuery, type Credentials, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--login-failure-delay-ms', '0'] });
});

test.after.always(cleanupServers);

interface Point {
  readonly series: 'events' | 'metrics' | 'secret';
  readonly time: number;
  readonly customer: number;
  readonly value: number;
  /** Given by the client, so both databases hold identical points. */
  readonly seq: number;
}

const QUERIES = [
  'select * from events',
  'select value from events where value > 50',
  'select * from events where customer_id <> 2 order asc',
  'select count(value), sum(value), max(value) from events',
  'select mean(value) from events group by time(1m)',
  'select count(value) from events group by customer_id',
  'select * from events limit 3',
  'select value * 2 from events',
  'select * from /.*/',
  'select count(value) from /e/',
  'select * from events merge metrics',
  'select * from events as a inner join metrics as b',
  'select count(value), max(value) from events merge metrics',
  'select count(a.value), sum(b.value) from events as a inner join metrics as b',
  'select * from metrics',
  'list series',
];

const pointArbitrary: fc.Arbitrary<Omit<Point, 'seq'>> = fc.record({
  series: fc.constantFrom('events' as const, 'metrics' as const, 'secret' as const),
  time: fc.integer({ min: 0, max: 600 }),
  customer: fc.integer({ min: 1, max: 3 }),
  value: fc.integer({ min: 0, max: 100 }),
});

async function writePoints(db: string, points: readonly Point[]): Promise<void> {
  const bySeries = new Map<string, unknown[][]>();
  for (const p of points) bySeries.set(p.series, [...(bySeries.get(p.series) ?? []), [1_400_000_000 + p.time, p.seq, p.customer, p.value]]);
  const body = [...bySeries].map(([name, rows]) => ({ name, columns: ['time', 'sequence_number', 'customer_id', 'value'], points: rows }));
  const result = await request(server, 'POST', `/db/${db}/series`, { params: { time_precision: 's' }, body: JSON.stringify(body) });
  if (result.status !== 200) throw new Error(`write: ${result.status} ${result.text}`);
}

/** Chunked answers are compared as the points each series got, whatever the object boundaries. */
async function chunked(db: string, q: string, auth: Credentials): Promise<Record<string, { columns: string[]; points: unknown[][] }>> {
  const streamed = await streamQuery(server, db, q, { u: auth.u, p: auth.p });
  if (streamed.status !== 200) return { error: { columns: [String(streamed.status)], points: [[await streamed.text()]] } };
  const bySeries: Record<string, { columns: string[]; points: unknown[][] }> = {};
  for await (const object of streamed.objects as AsyncIterable<SeriesResult>) {
    const entry = (bySeries[object.name] ??= { columns: object.columns, points: [] });
    entry.points.push(...object.points);
  }
  return bySeries;
}

let run = 0;

test('a whereClause-limited reader gets the answers of a database holding only its points', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(pointArbitrary, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.subarray(QUERIES, { minLength: 3, maxLength: 6 }), async (generated, customer, queries) => {
      run++;
      const full = `full${run}`;
      const permitted = `permitted${run}`;
      // Customer `customer` always has a point in events and metrics exists, so both databases have both series.
      const seeded: Omit<Point, 'seq'>[] = [{ series: 'events', time: 1, customer, value: 7 }, { series: 'metrics', time: 2, customer: 1, value: 8 }, ...generated];
      const points: Point[] = seeded.map((p, i) => ({
        ...p,
        seq: i + 1,
      }));
      await createDb(server, full);
      await createDb(server, permitted);
      await writePoints(full, points);
      await writePoints(
        permitted,
        points.filter((p) => p.series === 'metrics' || (p.series === 'events' && p.customer === customer)),
      );
      const user = { u: 'customer', p: 'secret1' };
      const created = await request(server, 'POST', `/db/${full}/users`, {
        body: JSON.stringify({
          name: user.u,
          password: user.p,
          readPermissions: [{ name: 'events', whereClause: `where customer_id = ${customer}` }, { matcher: '^metrics$' }],
        }),
      });
      if (created.status !== 200) throw new Error(created.text);
      for (const q of queries) {
        const restricted = await request(server, 'GET', `/db/${full}/series`, { auth: user, params: { q } });
        const reference = await request(server, 'GET', `/db/${permitted}/series`, { params: { q } });
        t.deepEqual({ status: restricted.status, text: restricted.text }, { status: reference.status, text: reference.text }, q);
        t.deepEqual(await chunked(full, q, user), await chunked(permitted, q, { u: 'root', p: 'root' }), `chunked ${q}`);
      }
    }),
    { numRuns: 25 },
  );
});
