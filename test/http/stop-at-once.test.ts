/**
 * A supervisor may stop the server the moment it announces itself: "listening" is logged only
 * once SIGTERM and SIGINT lead to a clean shutdown, so such a stop still exits 0 rather than
 * dying of the signal (which skips the final flush).
 */
import test from 'ava';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const ROUNDS = 4;
const SERVERS_PER_ROUND = 3;

test('a server stopped as soon as it logs "listening" exits 0', async (t) => {
  const codes: (number | null)[] = [];
  // Several at once: a busy machine widens any gap between the announcement and the handlers.
  for (let round = 0; round < ROUNDS; round++) {
    const stopped = Array.from({ length: SERVERS_PER_ROUND }, async () => (await startServer()).stop());
    codes.push(...(await Promise.all(stopped)));
  }
  t.deepEqual(codes, codes.map(() => 0));
});
