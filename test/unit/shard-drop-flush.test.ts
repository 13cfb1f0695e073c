/**
 * Dropping a database must take its rows out of the WAL, so the shard flushes first. That flush
 * leaves the dropped database's memtable rows out: writing them to a segment only to rewrite the
 * segment without them cost a whole memtable's encoding, and its garbage kept the server's
 * memory high into the next ingest. The rows must still be gone after a restart, even when a
 * database of the same name is created again.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Shard } from '../../src/storage/shard.js';
import { readShardManifest } from '../helpers/manifests.js';
import { committingWriter, floatBatch, seriesRowCount as rowCount, unitShardOptions } from '../helpers/shard-fixture.js';

test("a database drop flushes the other databases' rows and never writes the dropped one's", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-shard-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options = unitShardOptions(dir);
  const write = committingWriter();

  const first = new Shard(options, () => undefined);
  await first.recover(new Set(), ['kept', 'gone']);
  await write(first, floatBatch('kept', 'cpu', 1_000_000, 5_000));
  await write(first, floatBatch('gone', 'cpu', 1_000_000, 7_000));
  await first.dropDatabase('gone');
  t.is(rowCount(first, 'kept', 'cpu'), 5_000);
  t.throws(() => rowCount(first, 'gone', 'cpu'), { message: /Couldn't look up columns/ });

  const manifest = await readShardManifest(dir);
  t.deepEqual(
    manifest.segments.map((segment) => segment.entries.map((entry) => entry.db)),
    [['kept']],
    "the drop's flush wrote one segment, of the kept database only",
  );
  t.is(manifest.nextSegmentId, 2, 'no segment was written with the dropped rows and then rewritten without them');
  await first.close();

  // Created again under the same name before the restart: the old rows are in no WAL or segment.
  const second = new Shard(options, () => undefined);
  await second.recover(new Set(), ['kept', 'gone']);
  t.is(rowCount(second, 'kept', 'cpu'), 5_000);
  t.throws(() => rowCount(second, 'gone', 'cpu'), { message: /Couldn't look up columns/ }, 'the dropped series did not come back');
  await second.close();
});
