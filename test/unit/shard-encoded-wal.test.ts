/**
 * A cluster owner logs a write in its WAL as the partition's log carried it, encoded
 * (encoded-write-record.ts): a node killed with SIGKILL before any flush must replay those
 * records into exactly the rows, sequence numbers included, that a storage given the same
 * batches decoded holds, and resume after the last message it logged.
 */
import test from 'ava';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PACKED_BATCH_ENCODING } from '../../src/storage/write-batch-pack.js';
import { DEFLATED_BATCH_ENCODING } from '../../src/storage/write-batch-deflate.js';
import { openStorage, rowsOf, runAndKill, seriesOf, tempDir, writeMessage, type Message } from '../helpers/checkpoint-fixtures.js';

const MESSAGES: Message[] = [
  { seq: 1, series: 'cpu', first: 0, points: 4000, encoding: PACKED_BATCH_ENCODING },
  { seq: 2, series: 'mem', first: 0, points: 3000, encoding: DEFLATED_BATCH_ENCODING },
  { seq: 3, series: 'cpu', first: 4000, points: 4000, encoding: PACKED_BATCH_ENCODING },
  // Logged as it is, between encoded ones: both kinds of record replay in order.
  { seq: 4, series: 'cpu', first: 2000, points: 100 },
];
const DECODED = MESSAGES.map(({ encoding: _, ...plain }) => plain);

async function walBytes(dataDir: string): Promise<number> {
  const dir = path.join(dataDir, 'shards', '0', 'wal');
  const sizes = await Promise.all((await readdir(dir)).map(async (name) => (await stat(path.join(dir, name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

test('an owner killed before any flush replays its encoded WAL records into the rows the decoded batches give', async (t) => {
  const expected = await openStorage(await tempDir(t));
  const expectedDir = await tempDir(t);
  const owner = await tempDir(t);
  let rows: string;
  let series: string[];
  try {
    for (const message of DECODED) await writeMessage(expected, message);
    series = await seriesOf(expected);
    rows = await rowsOf(expected, series);
  } finally {
    await expected.close();
  }
  await runAndKill({ dataDir: owner, messages: MESSAGES });
  await runAndKill({ dataDir: expectedDir, messages: DECODED });
  // Encoded, 11,000 points of the three encoded messages take a small fraction of their decoded bytes.
  const [encodedWal, decodedWal] = [await walBytes(owner), await walBytes(expectedDir)];
  t.log(`WAL ${encodedWal} bytes encoded against ${decodedWal} decoded`);
  t.true(encodedWal * 4 < decodedWal, `WAL ${encodedWal} bytes encoded against ${decodedWal} decoded`);

  const restarted = await openStorage(owner);
  try {
    t.deepEqual(await seriesOf(restarted), series);
    t.is(await rowsOf(restarted, series), rows);
    // Resumes after the last message logged: the next one is taken, one skipping a message is not.
    await writeMessage(restarted, { seq: 5, series: 'mem', first: 3000, points: 10, encoding: PACKED_BATCH_ENCODING });
    await t.throwsAsync(writeMessage(restarted, { seq: 7, series: 'mem', first: 3010, points: 10, encoding: PACKED_BATCH_ENCODING }, 6), { message: /not stored here yet/ });
  } finally {
    await restarted.close();
  }
});
