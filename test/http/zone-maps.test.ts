/**
 * min and max over cached segment blocks go through the blocks' zone maps
 * (src/storage/zone-map.ts): buckets whose width is a multiple of a zone's length are read from
 * the map, other widths and time ranges that cut zones read the values at the ragged ends.
 * Every answer, asked twice (the first reading the blocks into the cache, the second from it),
 * must equal min and max computed here from the points written.
 */
import test from 'ava';
import { createDb, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'zones';
const START = 1_700_000_003;
let server: TestServer;

/** Regular 10-s points, and ragged ones (gaps and repeated seconds), as [seconds, value]. */
const SERIES: Record<string, [number, number][]> = { even: [], ragged: [] };
let walk = 0;
let seed = 7;
const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
for (let i = 0; i < 6000; i++) {
  walk += (random() - 0.5) * 10;
  SERIES.even!.push([START + 10 * i, Math.round(walk * 1000) / 1000]);
}
for (let t = START, i = 0; i < 4000; i++, t += Math.floor(random() * 3) * 7) SERIES.ragged!.push([t, Math.round((random() - 0.5) * 1e6) / 1e3]);

test.before(async () => {
  const first = await startServer();
  await createDb(first, DB);
  await writeOk(
    first,
    DB,
    Object.entries(SERIES).map(([name, points]) => ({ name, columns: ['time', 'value'], points })),
    { precision: 's' },
  );
  // A graceful stop flushes the memtables: after the restart every point is in segment blocks.
  await first.stop();
  server = await startServer({ dataDir: first.dataDir });
});

test.after.always(cleanupServers);

/** Rows [bucket start, extreme] the query should answer, newest first (0.8's default order). */
function expected(name: string, fn: 'min' | 'max', width: number | null, after: number, before: number): [number, number][] {
  const buckets = new Map<number, number>();
  for (const [t, v] of SERIES[name]!) {
    if (t <= after || t >= before) continue;
    const start = width === null ? 0 : Math.floor(t / width) * width;
    const known = buckets.get(start);
    buckets.set(start, known === undefined ? v : fn === 'max' ? Math.max(known, v) : Math.min(known, v));
  }
  return [...buckets].sort(([a], [b]) => b - a);
}

const WIDTHS: [string, number | null][] = [
  ['', null],
  ['group by time(1h)', 3600],
  ['group by time(5m)', 300],
  ['group by time(7m)', 420],
  ['group by time(1d)', 86400],
];
const RANGES: [string, number, number][] = [
  ['', -Infinity, Infinity],
  [`where time > ${START + 1234}s and time < ${START + 45_678}s`, START + 1234, START + 45_678],
];

for (const name of Object.keys(SERIES)) {
  for (const fn of ['min', 'max'] as const) {
    for (const [grouping, width] of WIDTHS) {
      for (const [range, after, before] of RANGES) {
        const q = `select ${fn}(value) from ${name} ${range} ${grouping}`;
        test(`${q} equals the extremes of the points written, cold and cached`, async (t) => {
          const want = expected(name, fn, width, after, before);
          for (let pass = 0; pass < 2; pass++) {
            const [answer] = await querySeries(server, DB, q, { time_precision: 's' });
            const rows = answer!.points.map((p) => [width === null ? 0 : p[0], p[1]]);
            t.deepEqual(rows, want, `pass ${pass}`);
          }
        });
      }
    }
  }
}
