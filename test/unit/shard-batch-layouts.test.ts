/**
 * Batches that repeat an earlier batch's layout (the same series and columns in the same
 * order) are not applied to their series one by one but sealed in bulk. They must read,
 * overwrite, delete, drop and flush exactly as batches applied one by one do.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { Shard, type ShardOptions } from '../../src/storage/shard.js';
import { encodeWriteBatch } from '../../src/storage/write-batch.js';

/** Points as [time, sequence number, value], per series name. */
type Points = Record<string, [number, number, number][]>;

function batchOf(points: Points): Uint8Array {
  const series: SeriesColumns[] = Object.entries(points).map(([name, rows]) => {
    const value = allocateColumn('value', rows.length);
    rows.forEach(([, , v], i) => ([value.kinds[i], value.floats[i]] = [ValueKind.Float, v]));
    return { series: name, count: rows.length, time: Float64Array.from(rows, ([time]) => time), seq: Float64Array.from(rows, ([, seq]) => seq), columns: [value] };
  });
  return encodeWriteBatch('db', series);
}

/** [time, value] of every row of `series`, in time order. */
function rowsOf(shard: Shard, series: string): [number, number][] {
  return shard.withSnapshots({ db: 'db', series: [series], startUs: 0, endUs: 1000, order: 'asc', requiredColumns: [] }, (snapshot) => {
    const out: [number, number][] = [];
    const blocks = snapshot(series).blocks();
    for (let step = blocks.next(); !step.done; step = blocks.next()) {
      const block = step.value;
      for (let i = 0; i < block.count; i++) out.push([block.time[i]!, block.columns.find((c) => c.name === 'value')!.floats[i]!]);
    }
    return out;
  });
}

async function openShard(t: { teardown(fn: () => Promise<void>): void }): Promise<{ shard: Shard; write: (points: Points) => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-layouts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options: ShardOptions = { dir, walFsync: 'never', walFsyncIntervalMs: 100, memtableBytes: 1 << 20, flushIdleMs: 3_600_000, blockCacheBytes: 0, degradedFlag: new Int32Array(1) };
  const shard = new Shard(options, () => undefined);
  await shard.recover(new Set(), ['db']);
  let txn = 0;
  const write = async (points: Points): Promise<void> => {
    txn++;
    await shard.write([batchOf(points)], [{ txn, participants: 1, base: 1 }]);
    shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
  };
  return { shard, write };
}

test('a later write of the same point wins, across repeated layouts and others, before and after a flush', async (t) => {
  const { shard, write } = await openShard(t);
  await write({ a: [[1, 1, 1]], b: [[1, 1, 10]] });
  await write({ a: [[2, 1, 2]], b: [[1, 1, 11]] });
  t.deepEqual(rowsOf(shard, 'b'), [[1, 11]], 'a repeated layout is read at once');
  await write({ a: [[3, 1, 3]], b: [[1, 1, 12]] });
  await write({ b: [[1, 1, 13]] });
  await write({ a: [[1, 1, 4]], b: [[3, 1, 14]] });
  t.deepEqual(rowsOf(shard, 'a'), [[1, 4], [2, 2], [3, 3]]);
  t.deepEqual(rowsOf(shard, 'b'), [[1, 13], [3, 14]]);
  await write({ a: [[2, 1, 5]], b: [[1, 1, 15]] });
  await write({ a: [[2, 1, 6]], b: [[3, 1, 16]] });
  await shard.flush();
  t.deepEqual(rowsOf(shard, 'a'), [[1, 4], [2, 6], [3, 3]], 'sealed in bulk by the flush, in arrival order');
  t.deepEqual(rowsOf(shard, 'b'), [[1, 15], [3, 16]]);
  await shard.close();
});

test('deletes and drops reach rows of repeated layouts not yet sealed, and a dropped series comes back only with new rows', async (t) => {
  const { shard, write } = await openShard(t);
  await write({ a: [[1, 1, 1]], b: [[1, 1, 10]] });
  await write({ a: [[2, 1, 2]], b: [[2, 1, 20]] });
  await write({ a: [[3, 1, 3]], b: [[3, 1, 30]] });
  await shard.deleteSeries({ db: 'db', series: ['a'], startUs: 2, endUs: 4, drop: false });
  t.deepEqual(rowsOf(shard, 'a'), [[1, 1]]);
  await write({ a: [[4, 1, 4]], b: [[4, 1, 40]] });
  await shard.deleteSeries({ db: 'db', series: ['b'], startUs: 0, endUs: 1000, drop: true });
  t.deepEqual(shard.listSeries('db'), ['a']);
  await write({ a: [[5, 1, 5]], b: [[5, 1, 50]] });
  await write({ a: [[6, 1, 6]], b: [[6, 1, 60]] });
  t.deepEqual(shard.listSeries('db').sort(), ['a', 'b']);
  t.deepEqual(rowsOf(shard, 'b'), [[5, 50], [6, 60]]);
  t.deepEqual(rowsOf(shard, 'a'), [[1, 1], [4, 4], [5, 5], [6, 6]]);
  await shard.flush();
  t.deepEqual(rowsOf(shard, 'b'), [[5, 50], [6, 60]]);
  await shard.close();
});

test('a layout that names a series twice is applied entry by entry, in batch order', async (t) => {
  const { shard } = await openShard(t);
  const twice = (v: number): Uint8Array =>
    encodeWriteBatch('db', [
      { series: 'a', count: 1, time: Float64Array.of(1), seq: Float64Array.of(1), columns: [floatColumn(v)] },
      { series: 'a', count: 1, time: Float64Array.of(1), seq: Float64Array.of(1), columns: [floatColumn(v + 1)] },
    ]);
  for (let txn = 1; txn <= 3; txn++) {
    await shard.write([twice(10 * txn)], [{ txn, participants: 1, base: 1 }]);
    shard.advance({ resolvedBelow: txn + 1, aborted: [], committed: [] });
  }
  await shard.flush();
  t.deepEqual(rowsOf(shard, 'a'), [[1, 31]]);
  await shard.close();
});

function floatColumn(v: number): ReturnType<typeof allocateColumn> {
  const column = allocateColumn('value', 1);
  [column.kinds[0], column.floats[0]] = [ValueKind.Float, v];
  return column;
}

test('a delete right after a flush reaches rows of a repeated layout that have no memtable yet', async (t) => {
  const { shard, write } = await openShard(t);
  await write({ a: [[1, 1, 1]], b: [[1, 1, 10]] });
  await shard.flush();
  await write({ a: [[2, 1, 2]], b: [[2, 1, 20]] });
  await shard.deleteSeries({ db: 'db', series: ['a'], startUs: 2, endUs: 3, drop: false });
  t.deepEqual(rowsOf(shard, 'a'), [[1, 1]]);
  t.deepEqual(rowsOf(shard, 'b'), [[1, 10], [2, 20]]);
  await shard.close();
});
