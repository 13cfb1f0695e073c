/**
 * A write batch as the cluster's log carries it now (storage/write-batch-pack.ts): packed and
 * compressed, it unpacks to the very same bytes, whatever its values — decimals, integers past
 * 2^52, −0, NaN, int64 slots, mixed kinds, strings, constant columns, client sequence numbers —
 * in an array of its own; a damaged payload is refused; a batch that cannot be packed exactly
 * is left to the deflate encoding (storage/log-batch-encoding.ts).
 */
import test from 'ava';
import fc from 'fast-check';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { allocateColumn, constantStringColumn, ValueKind, type Column, type SeriesColumns } from '../../src/storage/columns.js';
import { decodeLogBatch, encodeLogBatch } from '../../src/storage/log-batch-encoding.js';
import { deflateBatch } from '../../src/storage/write-batch-deflate.js';
import { packBatch } from '../../src/storage/write-batch-pack.js';
import { unpackBatch } from '../../src/storage/write-batch-unpack.js';
import { decodeWriteBatch, encodeWriteBatch } from '../../src/storage/write-batch.js';
import { parseWriteBody } from '../../src/ingest/parse-body.js';

function floatColumn(name: string, values: readonly number[]): Column {
  const column = allocateColumn(name, values.length);
  values.forEach((v, i) => {
    column.kinds[i] = ValueKind.Float;
    column.floats[i] = v;
  });
  return column;
}

function roundTrip(t: { deepEqual: (a: unknown, b: unknown, message?: string) => void; is: (a: unknown, b: unknown, message?: string) => void }, batch: Uint8Array): Uint8Array {
  const payload = packBatch(batch);
  if (payload === undefined) throw new Error('the batch did not pack');
  const unpacked = unpackBatch(payload, batch.byteLength);
  t.deepEqual(Buffer.from(unpacked), Buffer.from(batch), 'unpacked to the same bytes');
  t.is(unpacked.byteOffset, 0);
  t.is(unpacked.buffer.byteLength, batch.byteLength, 'the array owns its whole buffer, so it can be kept or moved');
  return payload;
}

test('the peer workload packs to the same bytes, in less than half of what deflating it as it is takes', (t) => {
  // 1000 series × 5 points, two-decimal values, the server numbering the points: the peer bench's bodies.
  const body = JSON.stringify(
    Array.from({ length: 1000 }, (_, s) => ({
      name: `cpu.host${s}`,
      columns: ['time', 'value'],
      points: Array.from({ length: 5 }, (_, p) => [1_704_000_000 + 10 * p, Math.round(5000 + 2000 * Math.sin(s + p) + ((s * 7919 + p * 104_729) % 1001) - 500) / 100]),
    })),
  );
  const parsed = parseWriteBody(Buffer.from(body), { db: 'bench', precision: 's', nowUs: Date.now() * 1000, shardCount: 2, listSeries: false });
  if (!parsed.ok) return t.fail(parsed.message);
  for (const batch of parsed.batches) {
    if (batch === null) continue;
    const bytes = new Uint8Array(batch);
    const payload = roundTrip(t, bytes);
    const deflated = deflateBatch(bytes);
    t.true(payload.byteLength * 2 < deflated.byteLength, `${payload.byteLength} bytes packed, ${deflated.byteLength} deflated, of ${bytes.byteLength}`);
  }
});

test('values that are no decimal, and numbers past 2^52, come back bit for bit', (t) => {
  const awkward = [0.1 + 0.2, -0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e-300, 5e-324, 2 ** 52, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1 / 3, 123.456789012345, 1e-7, 42];
  const count = awkward.length;
  const time = Float64Array.from(awkward.map((_, i) => [-62_135_596_800_000_000, 32_503_680_000_000_000, 0, -1, 2 ** 53][i % 5]!));
  const seq = Float64Array.from(awkward.map((_, i) => [2 ** 53, 0, 1e17, -(i + 1), 18_446_744_073_709_551_615][i % 5]!));
  const batch = encodeWriteBatch('db', [{ series: 'odd', count, time, seq, columns: [floatColumn('v', awkward)] }]);
  roundTrip(t, batch);
  const [series] = decodeWriteBatch(unpackBatch(packBatch(batch)!, batch.byteLength)).series;
  t.true(Object.is(series!.columns[0]!.floats[1], -0), '−0 stays −0');
  t.true(Number.isNaN(series!.columns[0]!.floats[3]));
});

test('int64 slots, bools, strings, nulls, erased values, mixed kinds and constant columns come back as they were', (t) => {
  const count = 6;
  const ints = allocateColumn('i', count);
  const int64s = [0n, -1n, 9_007_199_254_740_993n, -(2n ** 63n), 2n ** 63n - 1n, 4_503_599_627_370_496n];
  int64s.forEach((v, i) => {
    ints.kinds[i] = ValueKind.Int;
    ints.ints[i] = v;
  });
  const small = allocateColumn('small', count);
  for (let i = 0; i < count; i++) {
    small.kinds[i] = ValueKind.Int;
    small.ints[i] = BigInt(i * 1000 - 2500);
  }
  const mixed = allocateColumn('mixed', count);
  mixed.strings.push('ok', 'wärme ☃');
  [ValueKind.Float, ValueKind.Int, ValueKind.Bool, ValueKind.String, ValueKind.Null, ValueKind.Erased].forEach((kind, i) => (mixed.kinds[i] = kind));
  mixed.floats[0] = 2.5;
  mixed.ints[1] = -7n;
  mixed.floats[2] = 1;
  mixed.floats[3] = 1;
  const bools = allocateColumn('b', count);
  for (let i = 0; i < count; i++) {
    bools.kinds[i] = ValueKind.Bool;
    bools.floats[i] = i % 2;
  }
  const rows: SeriesColumns = {
    series: 'kinds ☃',
    count,
    time: Float64Array.from({ length: count }, (_, i) => 1_700_000_000_000_000 + i),
    seq: Float64Array.from({ length: count }, (_, i) => i * 10_000 + 1),
    columns: [ints, small, mixed, bools, constantStringColumn('host', 'server-01', count)],
  };
  const batch = encodeWriteBatch('db ☃', [rows, { ...rows, series: 'again' }]);
  roundTrip(t, batch);
  const [series] = decodeWriteBatch(unpackBatch(packBatch(batch)!, batch.byteLength)).series;
  t.deepEqual([...series!.columns[0]!.ints], int64s);
  t.deepEqual(series!.columns[2]!.strings, ['ok', 'wärme ☃']);
});

test('any batch packs and unpacks to the same bytes', (t) => {
  const value = fc.oneof(
    fc.double(),
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map((v) => v / 100),
    fc.integer({ min: 0, max: 10 }).map((d) => Math.round(Math.random() * 10 ** 6) / 10 ** d),
    fc.constantFrom(0, -0, 2 ** 52, -(2 ** 52) - 1, 2 ** 53),
  );
  const entry = fc.record({
    name: fc.string({ minLength: 1, maxLength: 20 }),
    times: fc.array(fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((v) => 1.7e15 + v * 1e6), fc.double({ noNaN: true })), { minLength: 0, maxLength: 40 }),
    floats: fc.array(value, { maxLength: 40 }),
    int64s: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 40 }),
    kinds: fc.array(fc.constantFrom(ValueKind.Null, ValueKind.Float, ValueKind.Int, ValueKind.Bool, ValueKind.Erased), { maxLength: 40 }),
    seqs: fc.oneof(fc.constant('server'), fc.constant('client')),
  });
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), (entries) => {
      const series = entries.map((e, s): SeriesColumns => {
        const count = e.times.length;
        const floats = allocateColumn('f', count);
        const ints = allocateColumn('n', count);
        const kinds = allocateColumn('k', count);
        for (let i = 0; i < count; i++) {
          floats.kinds[i] = ValueKind.Float;
          floats.floats[i] = e.floats[i % Math.max(1, e.floats.length)] ?? 0;
          ints.kinds[i] = ValueKind.Int;
          ints.ints[i] = e.int64s[i % Math.max(1, e.int64s.length)] ?? 0n;
          kinds.kinds[i] = e.kinds[i % Math.max(1, e.kinds.length)] ?? ValueKind.Null;
          kinds.floats[i] = kinds.kinds[i] === ValueKind.Bool ? i % 2 : kinds.kinds[i] === ValueKind.Float ? i / 7 : 0;
        }
        const seq = Float64Array.from({ length: count }, (_, i) => (e.seqs === 'server' ? -(s * 100 + i + 1) : i * 10_000 + 3));
        return { series: e.name, count, time: Float64Array.from(e.times), seq, columns: [floats, ints, kinds] };
      });
      const batch = encodeWriteBatch('db', series);
      const payload = packBatch(batch);
      if (payload === undefined) return false;
      return Buffer.compare(unpackBatch(payload, batch.byteLength), batch) === 0;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a damaged payload, or one that unpacks to another length than its message says, is refused', (t) => {
  const batch = encodeWriteBatch('db', [{ series: 'cpu', count: 3, time: Float64Array.of(1e15, 2e15, 3e15), seq: Float64Array.of(-1, -2, -3), columns: [floatColumn('v', [1.5, 2.5, 3.5])] }]);
  const payload = packBatch(batch)!;
  t.throws(() => unpackBatch(payload, batch.byteLength + 8), { message: /did not unpack to its stated length/ });
  t.throws(() => unpackBatch(payload, batch.byteLength - 8));
  t.throws(() => unpackBatch(payload.subarray(0, payload.length - 3), batch.byteLength));
  t.throws(() => unpackBatch(brotliCompressSync(Buffer.from([9, 9, 9, 9])), batch.byteLength), { message: /not a packed write batch/ });
  // Decompressing is stopped well before a bomb could fill memory. (Quality 1: the default
  // spends 2 s compressing 64 MiB of zeros, for the same few hundred bytes.)
  const bomb = brotliCompressSync(new Uint8Array(64 << 20), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
  t.throws(() => unpackBatch(bomb, batch.byteLength), { code: 'ERR_BUFFER_TOO_LARGE' });
});

test('a batch with bytes in its padding is not packed, and the log deflates it as it is instead', (t) => {
  const batch = encodeWriteBatch('db', [{ series: 'cpu', count: 1, time: Float64Array.of(1e15), seq: Float64Array.of(-1), columns: [floatColumn('v', [1.5])] }]);
  const padded = new Uint8Array(batch);
  // The database name 'db' ends at byte 34; 35–39 are padding.
  padded[36] = 1;
  t.is(packBatch(padded), undefined);
  const { payload, encoding } = encodeLogBatch(padded);
  t.is(encoding, 'deflate-raw');
  t.deepEqual(Buffer.from(decodeLogBatch(payload, encoding, padded.byteLength)), Buffer.from(padded));
  t.is(encodeLogBatch(batch).encoding, 'swb-pack');
});
