/**
 * A shard frees the write batches it was handed as soon as their rows are sealed into the
 * memtable's own chunks, instead of leaving their memory to its thread's next major garbage
 * collection; the rows stay readable, and batches whose rows are not sealed yet are kept
 * until the bulk seal (done a slice at a time between messages), or, with idleSealMs (as a
 * server runs its shards), until the writes pause.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

const THIS_SHARD = 0b01;
const ROWS_PER_BATCH = 10_000;

/** One batch of `cpu` rows at times first…first+ROWS_PER_BATCH-1, each value equal to its time. */
function batch(first: number): Uint8Array {
  const value = allocateColumn('value', ROWS_PER_BATCH);
  const time = new Float64Array(ROWS_PER_BATCH);
  for (let i = 0; i < ROWS_PER_BATCH; i++) {
    time[i] = first + i;
    [value.kinds[i], value.floats[i]] = [ValueKind.Float, first + i];
  }
  // A buffer of its own, as a batch moved in from a parse thread is.
  return new Uint8Array(encodeWriteBatch('db', [{ series: 'cpu', count: ROWS_PER_BATCH, time, seq: new Float64Array(ROWS_PER_BATCH), columns: [value] }]));
}

/** A shard in a fresh directory that never flushes on its own, recovered and ready. */
async function openShard(t: ExecutionContext, extra: Partial<ShardOptions> = {}): Promise<Shard> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 30, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1), ...extra };
  const shard = new Shard(options, () => undefined);
  t.teardown(() => shard.close());
  await shard.recover(new Set(), ['db']);
  return shard;
}

/** `count` batches written and committed one after another; returns them as handed over. */
async function writeCommitted(shard: Shard, count: number): Promise<Uint8Array[]> {
  const batches = Array.from({ length: count }, (_, i) => batch(i * ROWS_PER_BATCH));
  for (const [i, bytes] of batches.entries()) {
    await shard.write([bytes], [{ txn: i + 1, participants: THIS_SHARD, base: 1 }]);
    shard.advance({ resolvedBelow: i + 2, aborted: [], committed: [] });
  }
  return batches;
}

function visibleValues(shard: Shard): number[] {
  return shard.withSnapshots({ db: 'db', series: ['cpu'], startUs: -1, endUs: 1e12, order: 'asc', requiredColumns: ['value'] }, (snapshot) => {
    const out: number[] = [];
    const blocks = snapshot('cpu').blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) {
      const { count, columns } = step.value;
      const values = columns.find((column) => column.name === 'value')!;
      out.push(...values.floats.subarray(0, count));
    }
    return out;
  });
}

test('batches are freed once sealed, batches still unsealed are kept, and every row stays readable', async (t) => {
  const shard = await openShard(t);

  // Well past the bytes of batches the shard lets wait before it seals them in bulk (8 MiB).
  const batches = await writeCommitted(shard, 40);
  // The bulk seal runs a slice at a time between the shard's messages: let it finish.
  const released = (): number => batches.filter((bytes) => bytes.buffer.byteLength === 0).length;
  for (let waited = 0; waited < 2000 && released() === 0; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  const freed = released();
  t.true(freed > 0, 'sealed batches were released');
  t.true(batches.at(-1)!.byteLength > 0, 'the newest batch is not sealed yet, so it is kept');

  const values = visibleValues(shard);
  t.is(values.length, batches.length * ROWS_PER_BATCH);
  t.true(values.every((value, i) => value === i), 'the rows of released batches read back unchanged');
});

test('with idleSealMs, batches a pause in the writes left unsealed are sealed and freed once the shard is idle', async (t) => {
  const idleSealMs = 20;
  const shard = await openShard(t, { idleSealMs });

  // Far below the 8 MiB at which writes seal in bulk: without the idle seal, all stay held.
  const batches = await writeCommitted(shard, 3);
  for (let waited = 0; waited < 100 * idleSealMs && batches.some((bytes) => bytes.buffer.byteLength > 0); waited += idleSealMs) {
    await new Promise((resolve) => setTimeout(resolve, idleSealMs));
  }
  t.deepEqual(batches.map((bytes) => bytes.buffer.byteLength), [0, 0, 0], 'every batch sealed and freed');
  const values = visibleValues(shard);
  t.is(values.length, batches.length * ROWS_PER_BATCH);
  t.true(values.every((value, i) => value === i));
});

test('the bulk seal runs a slice at a time between messages, and rows written meanwhile keep their order', async (t) => {
  const shard = await openShard(t);
  const batches = await writeCommitted(shard, 40);
  const released = (): number => batches.filter((bytes) => bytes.buffer.byteLength === 0).length;
  // Sealed at once, the batches the write that reached 8 MiB took in would be freed by now.
  t.is(released(), 0, 'no batch is released before the seal has had a turn of the event loop');

  // One turn: a slice or more runs; then more writes of the same layout arrive mid-seal.
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 40; i < 45; i++) {
    const bytes = batch(i * ROWS_PER_BATCH);
    batches.push(bytes);
    await shard.write([bytes], [{ txn: i + 1, participants: THIS_SHARD, base: 1 }]);
    shard.advance({ resolvedBelow: i + 2, aborted: [], committed: [] });
  }
  // A read finishes the seal under way first, so it sees every row, in order.
  const values = visibleValues(shard);
  t.is(values.length, 45 * ROWS_PER_BATCH);
  t.true(values.every((value, i) => value === i), 'rows from before and during the seal read back in order');
  t.true(released() > 0, 'the seal the read finished released its batches');
});
