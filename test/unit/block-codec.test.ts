import test from 'ava';
import { deflateRawSync } from 'node:zlib';
import type { SeriesColumns } from '../../src/storage/columns.js';
import { decodeBlock, encodeBlock } from '../../src/storage/block-codec.js';
import { SegmentCorruptError } from '../../src/storage/compression.js';
import { encodeSeriesSegment } from '../../src/storage/segment-codec.js';
import { CODEC1_BLOCKS, codec1BlockData } from '../helpers/codec1-blocks.js';
import { AWKWARD_FLOATS, columnOf, DISTINCT_STRINGS, EVERY_KIND_WITH_NULLS, MIXED_KINDS, rowsOf, summaryOf, seriesOf, STRINGS, T0 } from '../helpers/series-rows.js';

function roundTrip(data: SeriesColumns): SeriesColumns {
  return decodeBlock(encodeBlock(data));
}

test('every kind round-trips, with nulls between values and an all-null column', (t) => {
  const data = seriesOf('cpu.load', EVERY_KIND_WITH_NULLS);
  t.deepEqual(summaryOf(roundTrip(data)), summaryOf(data));
});

test('int64 extremes and ints beyond ±2^52 round-trip exactly', (t) => {
  const values = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, -(2n ** 52n) - 1n, 2n ** 52n, -(2n ** 52n)];
  const data = columnOf('ints', values);
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('packed ints within ±2^52 round-trip, negatives and nulls included', (t) => {
  const data = seriesOf(
    'counter',
    Array.from({ length: 50 }, (_, i) => ({ time: T0 + i, values: { v: i % 7 === 3 ? null : -1_000_000_000n + BigInt(i * 3) } })),
  );
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
  const wide = seriesOf('wide', [
    { time: T0, values: { v: 2n ** 52n } },
    { time: T0 + 1, values: { v: -(2n ** 52n) } },
    { time: T0 + 2, values: { v: -4_294_967_297n } },
  ]);
  t.deepEqual(rowsOf(roundTrip(wide)), rowsOf(wide));
});

test('a column mixing every kind round-trips, ints with NaN bit patterns included', (t) => {
  const nanLike = [0x7ff0_0000_0000_0001n, -0x000f_ffff_ffff_ffffn, 0x7ff8_0000_0000_0001n];
  const extra = [12n, 'text', ...nanLike].map((v, i) => ({ time: T0 + 20 + i, values: { v } }));
  const data = seriesOf('mixed', [...MIXED_KINDS, ...extra]);
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('unicode, empty and repeated strings round-trip, each distinct string stored once', (t) => {
  const data = columnOf('strings', STRINGS, 's');
  const back = roundTrip(data);
  t.deepEqual(rowsOf(back), rowsOf(data));
  t.deepEqual(back.columns[0]!.strings, DISTINCT_STRINGS);
});

test('floats that are not short decimals keep every bit, -0 and NaN included', (t) => {
  const data = columnOf('floats', AWKWARD_FLOATS);
  const back = roundTrip(data);
  t.deepEqual(rowsOf(back), rowsOf(data));
  t.true(Object.is(back.columns[0]!.floats[2], -0));
});

test('two-decimal floats come back exact, no larger than in segment format 1', (t) => {
  let walk = 50;
  const data = seriesOf(
    'decimals',
    Array.from({ length: 4096 }, (_, i) => {
      walk = Math.min(75, Math.max(25, walk + (((i * 7919) % 200) - 100) / 100));
      return { time: T0 + i * 10_000_000, values: { v: i === 4 ? null : Math.round(walk * 100) / 100 } };
    }),
  );
  const bytes = encodeBlock(data);
  t.deepEqual(rowsOf(decodeBlock(bytes)), rowsOf(data));
  t.true(bytes.byteLength <= encodeSeriesSegment(data).byteLength, `${bytes.byteLength / data.count} B/row`);
});

test('times with gaps wider than 32 bits and non-integer times round-trip', (t) => {
  const gaps = seriesOf('gaps', [
    { time: 0, values: { v: 1 } },
    { time: 2 ** 40, values: { v: 2 } },
    { time: 2 ** 52, values: { v: 3 } },
  ]);
  t.deepEqual(rowsOf(roundTrip(gaps)), rowsOf(gaps));
  const fractional = seriesOf('fractional', [
    { time: 1.5, values: { v: 1 } },
    { time: 2 ** 60, values: { v: 2 } },
  ]);
  t.deepEqual(rowsOf(roundTrip(fractional)), rowsOf(fractional));
});

test('a block with no rows round-trips', (t) => {
  const back = roundTrip(seriesOf('empty', []));
  t.is(back.series, 'empty');
  t.is(back.count, 0);
  t.is(back.time.length, 0);
});

test('decoded arrays are count long and the int and float views share one buffer', (t) => {
  const data = seriesOf('shape', [
    { time: T0, values: { v: 5n } },
    { time: T0 + 1, values: { v: 6n } },
  ]);
  const column = roundTrip(data).columns[0]!;
  t.is(column.kinds.length, 2);
  t.is(column.floats.buffer, column.ints.buffer);
  t.is(column.ints[1], 6n);
});

test('bytes that are not a block are reported as corrupt, never as garbage rows', (t) => {
  const good = encodeBlock(seriesOf('x', [{ time: T0, values: { v: 1, s: 'a' } }]));
  t.throws(() => decodeBlock(new Uint8Array([9, 1, 2])), { instanceOf: SegmentCorruptError });
  t.throws(() => decodeBlock(good.subarray(0, good.byteLength - 3)), { instanceOf: SegmentCorruptError });
  // A body that inflates but is cut short or has extra bytes.
  const wrapped = (body: Uint8Array): Uint8Array => new Uint8Array([1, ...deflateRawSync(body)]);
  t.throws(() => decodeBlock(wrapped(new Uint8Array([0, 0, 0]))), { instanceOf: SegmentCorruptError });
  t.throws(() => decodeBlock(wrapped(new Uint8Array(64).fill(0xff))), { instanceOf: SegmentCorruptError });
  // Empty series name, then 2^32 - 1 rows.
  t.throws(() => decodeBlock(wrapped(new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0]))), { instanceOf: SegmentCorruptError });
});

test('blocks written by codec 1, before codec 2, still decode exactly', (t) => {
  const data = codec1BlockData();
  for (const [name, base64] of Object.entries(CODEC1_BLOCKS)) {
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    t.is(bytes[0], 1, name);
    const back = decodeBlock(bytes);
    t.deepEqual(rowsOf(back), rowsOf(data[name]!), name);
    t.deepEqual(summaryOf(back), summaryOf(data[name]!), name);
  }
});

test('new blocks are written by codec 2, and two-decimal values take fewer bytes than codec 1 gave them', (t) => {
  const decimals = codec1BlockData().decimals!;
  const bytes = encodeBlock(decimals);
  t.is(bytes[0], 2);
  t.deepEqual(rowsOf(decodeBlock(bytes)), rowsOf(decimals));
  t.true(bytes.byteLength < Buffer.from(CODEC1_BLOCKS.decimals!, 'base64').byteLength);
});

test('a codec 2 block cut short or with a damaged part is reported as corrupt', (t) => {
  const good = encodeBlock(codec1BlockData().decimals!);
  for (const cut of [1, 2, 7, good.byteLength >> 1]) {
    t.throws(() => decodeBlock(good.subarray(0, good.byteLength - cut)), { instanceOf: SegmentCorruptError }, `cut ${cut}`);
  }
});

test('a block that shares sequence numbers stores their first alone, and needs the shared ones back to decode', (t) => {
  const rows = seriesOf('cpu', Array.from({ length: 500 }, (_, i) => ({ time: T0 + i * 1000, values: { v: i / 4 } })));
  const source = Float64Array.from(rows.seq, (v, i) => v + 777 + (i > 250 ? 10_000 : 0));
  const own = { ...rows, seq: Float64Array.from(rows.seq, (v, i) => v + (i > 250 ? 10_000 : 0)) };
  const shared = encodeBlock(own, undefined, source);
  t.true(shared.byteLength < encodeBlock(own).byteLength);
  const back = decodeBlock(shared, () => source);
  t.deepEqual([...back.seq], [...own.seq]);
  t.deepEqual(rowsOf(back), rowsOf(own));
  t.throws(() => decodeBlock(shared), { instanceOf: SegmentCorruptError });
  t.throws(() => decodeBlock(shared, () => source.subarray(1)), { instanceOf: SegmentCorruptError });
  // Rows that do not step as the numbers given are refused rather than stored wrong.
  t.throws(() => encodeBlock(rows, undefined, source), { instanceOf: RangeError });
});
