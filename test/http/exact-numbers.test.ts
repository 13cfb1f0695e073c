/**
 * Every integer a point can store comes back with all its digits and its sign (http-api.md
 * §1.6), whatever the layout: times of the years 0 to 9999 in every precision (beyond 2^53 µs
 * after the year 2255), the largest sequence number a client may give, and the int64 extremes.
 */
import test from 'ava';
import { createDb, query, write } from '../helpers/client.js';
import { parseNumbersAsText } from '../helpers/exact-json.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'exact';
let server: TestServer;

/** Times in µs: 3000-01-01, 0000-01-01, and one near 9999 that a rounded division tips over. */
const YEAR_3000_US = '32503680000000000';
const YEAR_0_US = '-62167219200000000';
const NEAR_9999_US = '253402300792080992';
const MAX_SEQUENCE_NUMBER = '9007199254740991';

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  const body =
    `[{"name":"far","columns":["time","sequence_number","v"],"points":[` +
    `[${YEAR_3000_US},${MAX_SEQUENCE_NUMBER},9223372036854775807],` +
    `[${NEAR_9999_US},1,-9223372036854775808],` +
    `[${YEAR_0_US},2,-1]]}]`;
  const written = await write(server, DB, body, { precision: 'u' });
  if (written.status !== 200) throw new Error(`write failed: ${written.status} ${written.text}`);
});

test.after.always(cleanupServers);

/** The stored µs time in `precision`, truncated toward zero, as exact digits. */
function timeIn(us: string, precision: 's' | 'ms' | 'u'): string {
  return (BigInt(us) / { s: 1_000_000n, ms: 1000n, u: 1n }[precision]).toString();
}

interface Layout {
  readonly title: string;
  readonly params: Record<string, string>;
  /** The series object out of the parsed body. */
  readonly object: (body: unknown) => unknown;
}

const LAYOUTS: Layout[] = [
  { title: 'compact', params: {}, object: (body) => (body as unknown[])[0] },
  { title: 'pretty', params: { pretty: 'true' }, object: (body) => (body as unknown[])[0] },
  { title: 'chunked', params: { chunked: 'true' }, object: (body) => body },
];

const RANGE = 'where time > now() - 800000d and time < 400000000000s';

/** The stored points in `precision`, numbers as text: latest first, as the query orders them. */
function expectedPoints(precision: 's' | 'ms' | 'u'): string[][] {
  return [
    [timeIn(NEAR_9999_US, precision), '1', '-9223372036854775808'],
    [timeIn(YEAR_3000_US, precision), MAX_SEQUENCE_NUMBER, '9223372036854775807'],
    [timeIn(YEAR_0_US, precision), '2', '-1'],
  ];
}

async function pointsOf(layout: Layout, precision: 's' | 'ms' | 'u'): Promise<unknown> {
  const result = await query(server, DB, `select * from far ${RANGE} order desc`, { ...layout.params, time_precision: precision });
  if (result.status !== 200) throw new Error(`${result.status} ${result.text}`);
  // Parses at all: a digit written over a row's `[` used to break the whole answer.
  return (layout.object(parseNumbersAsText(result.text)) as { points: string[][] }).points;
}

for (const layout of LAYOUTS) {
  for (const precision of ['u', 'ms', 's'] as const) {
    test.serial(`${layout.title} rows in time_precision=${precision} keep every digit and sign`, async (t) => {
      t.deepEqual(await pointsOf(layout, precision), expectedPoints(precision));
    });
  }
}

test.serial('the same digits come back from segment files after a restart', async (t) => {
  t.is(await server.stop(), 0);
  server = await startServer({ dataDir: server.dataDir });
  for (const precision of ['u', 'ms', 's'] as const) t.deepEqual(await pointsOf(LAYOUTS[0]!, precision), expectedPoints(precision));
});
