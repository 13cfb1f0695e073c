/**
 * A database drop is ordered after every write the server accepted before it: writes queued
 * at a shard when DROP arrives are applied first (and so dropped), never after — they must
 * not resurrect their points in a database re-created right after the drop.
 */
import test from 'ava';
import { createDb, dropDb, listSeries, request, sleep, write, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const WRITES = 400;
const POINTS_PER_WRITE = 5_000;
const BASE_S = 1_400_000_000;

function body(writeIndex: number): string {
  const points = Array.from({ length: POINTS_PER_WRITE }, (_, i) => [BASE_S + writeIndex * POINTS_PER_WRITE + i, i]);
  return JSON.stringify([{ name: 'race.series', columns: ['time', 'value'], points }]);
}

test('writes queued before a drop never land in the database re-created after it', async (t) => {
  // One shard, so every write queues behind the same mailbox.
  const server = await startServer({ args: ['--shards', '1'] });
  await createDb(server, 'race');
  const bodies = Array.from({ length: WRITES }, (_, i) => body(i));

  let dropSent = false;
  let answeredAfterDropSent = 0;
  const writes = bodies.map(async (text): Promise<HttpResult> => {
    const result = await write(server, 'race', text, { precision: 's' });
    if (dropSent) answeredAfterDropSent++;
    return result;
  });
  // Every write request has reached the server (it is all on localhost) before the drop is sent.
  await sleep(300);
  dropSent = true;
  const dropped = await dropDb(server, 'race');
  t.is(dropped.status, 204);
  const created = await request(server, 'POST', '/db', { body: JSON.stringify({ name: 'race' }) });
  t.is(created.status, 201);

  const results = await Promise.all(writes);
  const unexpected = results.filter((r) => r.status !== 200 && !(r.status === 400 && r.text === "Database race doesn't exist"));
  t.deepEqual(unexpected.map((r) => `${r.status} ${r.text}`), [], 'a write is either applied before the drop or refused');
  const applied = results.filter((r) => r.status === 200).length;
  t.log(`${answeredAfterDropSent} of ${WRITES} writes were answered after the drop was sent; ${applied} applied, ${WRITES - applied} refused`);
  t.true(answeredAfterDropSent > 0, 'the drop must have found writes still queued (raise WRITES if this fails)');

  t.deepEqual(await listSeries(server, 'race'), [], 'points written before the drop reappeared in the re-created database');
});
