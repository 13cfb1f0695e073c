/**
 * count/sum/mean/min/max over segment blocks that a bucket covers whole are answered from
 * the blocks' header stats (DESIGN.md "Layers of a query"); the answers must equal those of
 * the decoded path exactly. A where clause that keeps every row forces the decoded path.
 */
import test from 'ava';
import { createDb, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'stats';
const POINTS = 5000;
let server: TestServer;

test.before(async () => {
  const first = await startServer();
  await createDb(first, DB);
  // Floats with a random walk, every 7th value an int, every 11th missing (another column has a value).
  let value = 50;
  const points = Array.from({ length: POINTS }, (_, i) => {
    value += Math.sin(i * 12.9898) * 3.7;
    const v = i % 11 === 0 ? null : i % 7 === 0 ? Math.round(value) : Math.round(value * 1000) / 1000;
    return [1_700_000_000 + i * 10, v, i];
  });
  await writeOk(first, DB, [{ name: 'walk', columns: ['time', 'value', 'other'], points }], { precision: 's' });
  // A graceful stop flushes the memtables: after the restart every point is in segment blocks.
  await first.stop();
  server = await startServer({ dataDir: first.dataDir });
});

test.after.always(cleanupServers);

const SELECTS = ['count(value)', 'sum(value)', 'mean(value)', 'min(value)', 'max(value)', 'count(value), sum(value), mean(value), min(value), max(value)'];
const GROUPINGS = ['', 'group by time(1d)', 'group by time(1h)', 'group by time(3h) order asc', 'group by time(10m)'];
const RANGES = ['', 'where time > 1700003000s and time < 1700040000s'];

for (const select of SELECTS) {
  for (const grouping of GROUPINGS) {
    for (const range of RANGES) {
      const q = `select ${select} from walk ${range} ${grouping}`;
      test(`${q} equals the decoded answer`, async (t) => {
        const decoded = `select ${select} from walk ${range === '' ? 'where' : `${range} and`} value > -1000000 ${grouping}`;
        const fromStats = await querySeries(server, DB, q, { time_precision: 's' });
        t.true(fromStats.length === 1 && fromStats[0]!.points.length > 0);
        t.deepEqual(fromStats, await querySeries(server, DB, decoded, { time_precision: 's' }));
      });
    }
  }
}
