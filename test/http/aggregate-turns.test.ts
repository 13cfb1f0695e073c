/**
 * An aggregate over a long series takes its shard's thread in turns: a write to the same
 * shard, sent while the aggregate runs, is answered before the aggregate is, and the
 * aggregate's answer is still the whole series'.
 */
import test from 'ava';
import { createDb, query, sleep, write, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'turns';
const POINTS = 2_000_000;
const BODY_POINTS = 100_000;

test('a write to a shard is answered while a long aggregate runs on it, and the aggregate still counts every point', async (t) => {
  // One shard: the write and the aggregate meet on the same thread.
  const server = await startServer({ args: ['--shards', '1'] });
  await createDb(server, DB);
  for (let at = 0; at < POINTS; at += BODY_POINTS) {
    const points = Array.from({ length: BODY_POINTS }, (_, i) => [at + i, ((at + i) % 1000) / 10]);
    await writeOk(server, DB, [{ name: 'long', columns: ['time', 'v'], points }], { precision: 's' });
  }
  // A where clause: every row is read and filtered (no block statistics answer it).
  const q = 'select count(v), mean(v) from long where v > 10 group by time(1h)';
  let order: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    order = [];
    const answered = query(server, DB, q).then((result) => {
      order.push('aggregate');
      return result;
    });
    // Sent once the aggregate has reached the shard, so it arrives while the scan runs.
    await sleep(30);
    const written = write(server, DB, [{ name: 'other', columns: ['v'], points: [[attempt]] }]).then((result) => {
      order.push('write');
      return result;
    });
    const [result, writeResult] = await Promise.all([answered, written]);
    t.is(writeResult.status, 200);
    t.is(result.status, 200, result.text);
    const [series] = JSON.parse(result.text) as { points: number[][] }[];
    // v cycles through 0.0 … 99.9; 90 % of the values are over 10 (10.0 itself is not).
    const counted = series!.points.reduce((sum, point) => sum + point[1]!, 0);
    t.is(counted, POINTS * 0.899);
    if (order[0] === 'write') break;
  }
  t.deepEqual(order, ['write', 'aggregate'], 'the write waited for the whole aggregate');
});
