/**
 * A write batch as the cluster's log carries it (storage/write-batch-deflate.ts): inflated, it
 * is the batch again, in an array of its own that decodeWriteBatch views in place; a payload
 * that is damaged, or inflates to another size than its message says, is refused, and one
 * that would inflate past that size is stopped there.
 */
import { deflateRawSync } from 'node:zlib';
import test from 'ava';
import { deflateBatch, inflateBatch } from '../../src/storage/write-batch-deflate.js';
import { decodeWriteBatch, encodeWriteBatch } from '../../src/storage/write-batch.js';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';

function batchOf(points: number): Uint8Array {
  const value = allocateColumn('value', points);
  const time = new Float64Array(points);
  const seq = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    time[i] = 1_700_000_000_000_000 + i * 10_000_000;
    seq[i] = i * 10_000 + 1;
    value.kinds[i] = ValueKind.Float;
    value.floats[i] = Math.round(Math.sin(i) * 10_000) / 100;
  }
  return encodeWriteBatch('db', [{ series: 'cpu.host0', count: points, time, seq, columns: [value] }]);
}

test('a deflated batch inflates to the same bytes, in an array of its own that decodes in place', (t) => {
  const batch = batchOf(5000);
  const payload = deflateBatch(batch);
  t.true(payload.byteLength * 2 < batch.byteLength, `${payload.byteLength} bytes deflated from ${batch.byteLength}`);
  const inflated = inflateBatch(payload, batch.byteLength);
  t.deepEqual([...inflated], [...batch]);
  t.is(inflated.byteOffset, 0);
  t.is(inflated.buffer.byteLength, batch.byteLength, 'the array owns its whole buffer, so it can be kept or moved');
  const [series] = decodeWriteBatch(inflated).series;
  t.is(series!.count, 5000);
  t.is(series!.columns[0]!.floats[3], Math.round(Math.sin(3) * 10_000) / 100);
});

test('a small batch, which zlib may give as a view into a pool, still comes back as an array of its own', (t) => {
  const batch = batchOf(1);
  const inflated = inflateBatch(deflateBatch(batch), batch.byteLength);
  t.deepEqual([...inflated], [...batch]);
  t.is(inflated.byteOffset, 0);
  t.is(inflated.buffer.byteLength, batch.byteLength);
});

test('a payload that inflates to another size than its message says is refused', (t) => {
  const batch = batchOf(100);
  const payload = deflateBatch(batch);
  t.throws(() => inflateBatch(payload, batch.byteLength + 8), { message: /inflated to \d+ bytes, its header says \d+/ });
  // Longer than said: zlib stops at the size given, so a bomb cannot take more memory than that.
  t.throws(() => inflateBatch(deflateRawSync(new Uint8Array(64 << 20)), batch.byteLength), { code: 'ERR_BUFFER_TOO_LARGE' });
});

test('a damaged payload is refused', (t) => {
  const batch = batchOf(100);
  const payload = deflateBatch(batch);
  const damaged = payload.slice(0, payload.byteLength >> 1);
  t.throws(() => inflateBatch(damaged, batch.byteLength));
  const garbage = new Uint8Array(payload.byteLength).fill(0xff);
  t.throws(() => inflateBatch(garbage, batch.byteLength));
});
