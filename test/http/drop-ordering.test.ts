/**
 * A database drop is ordered after every write the server accepted before it: writes queued
 * at a shard when DROP arrives are applied first (and so dropped), never after — they must
 * not resurrect their points in a database re-created right after the drop.
 */
import test from 'ava';
import { createDb, dropDb, querySeries, sleep, write, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const WRITERS = 64;
const POINTS_PER_WRITE = 5_000;
const BASE_S = 1_400_000_000;

interface RoundOutcome {
  readonly writes: number;
  /** Writes neither acknowledged nor refused as "doesn't exist". */
  readonly unexpected: string[];
  /** Writes sent before the drop and acknowledged after it was sent: they were queued. */
  readonly queuedAtDrop: number;
  /** Writes sent before the drop whose points are in the re-created database. */
  readonly resurrected: number;
}

/** Writers load `db`; mid-load it is dropped and created again; then what landed where. */
async function dropUnderLoad(server: TestServer, db: string): Promise<RoundOutcome> {
  await createDb(server, db);
  /** When each write was sent, by its index (its points' times are index * POINTS_PER_WRITE + i). */
  const sentAt: number[] = [];
  /** Each write's answer, by its index. */
  const answers: Promise<void>[] = [];
  const results: { sent: number; answered: number; result: HttpResult }[] = [];
  let writing = true;
  const writer = async (): Promise<void> => {
    while (writing) {
      const index = sentAt.length;
      const points = Array.from({ length: POINTS_PER_WRITE }, (_, i) => [BASE_S + index * POINTS_PER_WRITE + i, i]);
      const sent = Date.now();
      sentAt.push(sent);
      const answered = write(server, db, [{ name: 'race.series', columns: ['time', 'value'], points }], { precision: 's' }).then((result) => {
        results.push({ sent, answered: Date.now(), result });
      });
      answers.push(answered);
      await answered;
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  await sleep(400);
  const dropSentAt = Date.now();
  const pendingAtDrop = answers.slice();
  const dropped = await dropDb(server, db);
  if (dropped.status !== 204) throw new Error(`drop: ${dropped.status} ${dropped.text}`);
  // The database is made again only once every write sent before the drop has its answer: a
  // write the client started before the drop may reach the server after it (the test process
  // builds 64 bodies of 5000 points at once), and one that reached it after the re-creation
  // would land there rightly. A write applied after the drop still shows in the new database.
  await Promise.all(pendingAtDrop);
  writing = false;
  await createDb(server, db);
  await Promise.all(writers);

  const refused = `Database ${db} doesn't exist`;
  const unexpected = results.filter(({ result: r }) => r.status !== 200 && !(r.status === 400 && r.text === refused));
  const queuedAtDrop = results.filter(({ sent, answered, result }) => sent < dropSentAt && answered > dropSentAt && result.status === 200);
  const [listed] = await querySeries(server, db, 'list series');
  let resurrected = 0;
  if ((listed?.points.length ?? 0) > 0) {
    const [stored] = await querySeries(server, db, 'select value from race.series', { time_precision: 's' });
    const writesSeen = new Set((stored?.points ?? []).map((p) => Math.floor(((p[0] as number) - BASE_S) / POINTS_PER_WRITE)));
    resurrected = [...writesSeen].filter((index) => sentAt[index]! < dropSentAt).length;
  }
  return {
    writes: results.length,
    unexpected: unexpected.map(({ result: r }) => `${r.status} ${r.text}`),
    queuedAtDrop: queuedAtDrop.length,
    resurrected,
  };
}

test('writes sent before a drop never land in the database re-created after it', async (t) => {
  // One shard, so every write queues behind the same mailbox.
  const server = await startServer({ args: ['--shards', '1'] });
  // A few rounds: whether the drop meets writes still queued is a matter of timing.
  for (const db of ['race1', 'race2', 'race3']) {
    const round = await dropUnderLoad(server, db);
    t.log(`${db}: ${JSON.stringify(round)}`);
    t.deepEqual(round.unexpected, [], 'a write is either applied or refused');
    t.true(round.queuedAtDrop > 0, 'the drop must have found writes still queued');
    t.is(round.resurrected, 0, 'writes sent before the drop reappeared in the re-created database');
  }
});
