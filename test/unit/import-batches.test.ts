import test from 'ava';
import { MAX_BATCH_FILE_BYTES, type Batch, type FileChunks } from '../../src/cli/import/batch.js';
import { jsonBatches } from '../../src/cli/import/json-batches.js';
import { lineProtocolBatches } from '../../src/cli/import/line-batches.js';

const WIDE = 1024 * 1024;

/** `file` as a read stream gives it, in 4 MiB chunks. */
async function* chunksOf(file: Buffer): FileChunks {
  for (let at = 0; at < file.length; at += 4 * 1024 * 1024) yield file.subarray(at, at + 4 * 1024 * 1024);
}

async function all(batches: AsyncGenerator<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

test('a file of wide lines or objects is cut into requests of bounded size, whatever --batch-points says', async (t) => {
  const lines = Array.from({ length: 40 }, (_, i) => `m,host=a v="${'x'.repeat(WIDE)}" ${i}\n`).join('');
  const lineBatches = await all(lineProtocolBatches(chunksOf(Buffer.from(lines)), 0, 50_000));
  const objects = `[${Array.from({ length: 40 }, (_, i) => JSON.stringify({ name: 's', columns: ['time', 'v'], points: [[i, 'x'.repeat(WIDE)]] })).join(',')}]`;
  const jsonParts = await all(jsonBatches(chunksOf(Buffer.from(objects)), 0, 50_000));
  for (const [label, batches] of [['line protocol', lineBatches], ['0.8 JSON', jsonParts]] as const) {
    t.is(batches.reduce((sum, batch) => sum + batch.points, 0), 40, label);
    t.true(batches.length >= 3, `${label}: ${batches.length} requests`);
    for (const batch of batches) t.true(batch.body.length <= MAX_BATCH_FILE_BYTES + 2 * WIDE, `${label}: a request of ${batch.body.length} bytes`);
  }
  // Narrow lines are still cut by points alone.
  const narrow = Array.from({ length: 1000 }, (_, i) => `m v=${i} ${i}\n`).join('');
  t.deepEqual((await all(lineProtocolBatches(chunksOf(Buffer.from(narrow)), 0, 300))).map((batch) => batch.points), [300, 300, 300, 100]);
});
