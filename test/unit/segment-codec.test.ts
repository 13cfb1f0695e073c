import test from 'ava';
import type { Field } from 'apache-arrow';
import type { SeriesColumns } from '../../src/storage/columns.js';
import { SegmentCorruptError } from '../../src/storage/compression.js';
import { decodeSeriesSegment, encodeSeriesSegment, seriesToArrowTable } from '../../src/storage/segment-codec.js';
import { arrow } from '../../src/util/apache-arrow.js';
import { AWKWARD_FLOATS, columnOf, DISTINCT_STRINGS, EVERY_KIND_WITH_NULLS, MIXED_KINDS, rowsOf, seriesOf, STRINGS, T0 } from '../helpers/series-rows.js';

// The codec's own copy of Arrow's classes: instanceof tells one copy's types from another's.
const { Float64, Int64, Uint8, Uint16, Uint64 } = arrow;

function roundTrip(data: SeriesColumns): SeriesColumns {
  return decodeSeriesSegment(encodeSeriesSegment(data));
}

function fieldOf(data: SeriesColumns, name: string): Field {
  const found = seriesToArrowTable(data).schema.fields.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no field ${name}`);
  return found;
}

test('every kind round-trips, with nulls between values', (t) => {
  const data = seriesOf('cpu.load', EVERY_KIND_WITH_NULLS);
  const back = roundTrip(data);
  t.is(back.series, 'cpu.load');
  t.is(back.count, 3);
  t.deepEqual(
    back.columns.map((c) => c.name),
    ['f', 'i', 'b', 's', 'gone'],
  );
  t.deepEqual(rowsOf(back), rowsOf(data));
});

test('int64 extremes round-trip exactly through the raw Int64 path', (t) => {
  const extremes = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, -(2n ** 52n) - 1n];
  const data = seriesOf(
    'ints',
    extremes.map((v, i) => ({ time: T0 + i, values: { v } })),
  );
  t.true(fieldOf(data, 'v').type instanceof Int64);
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('ints within ±2^52 are packed narrow and round-trip, negatives included', (t) => {
  const values = [2n ** 52n, -(2n ** 52n), 0n, -1n, 4_294_967_296n, -4_294_967_297n];
  const wide = seriesOf(
    'ints',
    values.map((v, i) => ({ time: T0 + i, values: { v } })),
  );
  t.true(fieldOf(wide, 'v').type instanceof Int64, 'a range of 2^53 gains nothing from packing');
  t.deepEqual(rowsOf(roundTrip(wide)), rowsOf(wide));

  const counter = seriesOf(
    'counter',
    Array.from({ length: 50 }, (_, i) => ({ time: T0 + i, values: { v: i % 7 === 3 ? null : -1_000_000_000n + BigInt(i * 3) } })),
  );
  const field = fieldOf(counter, 'v');
  t.true(field.type instanceof Uint8);
  t.is(field.metadata.get('sluice.packing'), 'delta-for');
  t.deepEqual(rowsOf(roundTrip(counter)), rowsOf(counter));
});

test('a column mixing kinds round-trips through a dense union', (t) => {
  const data = seriesOf('mixed', MIXED_KINDS);
  t.is(fieldOf(data, 'v').metadata.get('sluice.kind'), 'mixed');
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('unicode, empty and repeated strings round-trip, deduplicated in the dictionary', (t) => {
  const data = columnOf('strings', STRINGS, 's');
  const back = roundTrip(data);
  t.deepEqual(rowsOf(back), rowsOf(data));
  t.deepEqual(back.columns[0]!.strings, DISTINCT_STRINGS);
});

test('floats that are not short decimals keep every bit through raw Float64', (t) => {
  const data = columnOf('floats', AWKWARD_FLOATS);
  t.true(fieldOf(data, 'v').type instanceof Float64);
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('a single -0 keeps the column raw, since scaling would turn it into 0', (t) => {
  const data = seriesOf('zero', [
    { time: T0, values: { v: 1.5 } },
    { time: T0 + 1, values: { v: -0 } },
  ]);
  t.true(fieldOf(data, 'v').type instanceof Float64);
  const back = roundTrip(data);
  t.true(Object.is(back.columns[0]!.floats[1], -0));
});

test('two-decimal floats are stored as scaled integers and come back exact', (t) => {
  const values = [12.34, 0.01, 99.99, 0, -5.5, 100, 33.33, 0.07, 12.3];
  const data = seriesOf(
    'decimals',
    values.map((v, i) => ({ time: T0 + i * 10_000_000, values: { v: i === 4 ? null : v } })),
  );
  const field = fieldOf(data, 'v');
  t.true(field.type instanceof Uint16);
  t.is(field.metadata.get('sluice.scale'), '2');
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('the decimal scale is the fewest digits that reproduce every value', (t) => {
  const data = seriesOf('scale', [
    { time: T0, values: { whole: 3, tenths: 0.5, micro: 1.000001 } },
    { time: T0 + 1, values: { whole: -40, tenths: 2.5, micro: 2 } },
  ]);
  t.is(fieldOf(data, 'whole').metadata.get('sluice.scale'), '0');
  t.is(fieldOf(data, 'tenths').metadata.get('sluice.scale'), '1');
  t.is(fieldOf(data, 'micro').metadata.get('sluice.scale'), '6');
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('evenly spaced time and sequence numbers pack to one byte per row', (t) => {
  const data = seriesOf(
    'regular',
    Array.from({ length: 1000 }, (_, i) => ({ time: T0 + i * 10_000_000, values: { v: (i % 100) / 4 } })),
  );
  for (const name of ['time', 'sequence_number']) {
    const field = fieldOf(data, name);
    t.true(field.type instanceof Uint8, name);
    t.is(field.metadata.get('sluice.packing'), 'delta-for', name);
  }
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('times with gaps wider than 32 bits and non-integer times round-trip', (t) => {
  const gaps = seriesOf('gaps', [
    { time: 0, values: { v: 1 } },
    { time: 2 ** 40, values: { v: 2 } },
    { time: 2 ** 52, values: { v: 3 } },
  ]);
  t.true(fieldOf(gaps, 'time').type instanceof Uint64);
  t.deepEqual(rowsOf(roundTrip(gaps)), rowsOf(gaps));

  const fractional = seriesOf('fractional', [
    { time: 1.5, values: { v: 1 } },
    { time: 2 ** 60, values: { v: 2 } },
  ]);
  t.true(fieldOf(fractional, 'time').type instanceof Float64);
  t.deepEqual(rowsOf(roundTrip(fractional)), rowsOf(fractional));
});

test('a series with no rows round-trips', (t) => {
  const data = seriesOf('empty', []);
  const back = roundTrip(data);
  t.is(back.series, 'empty');
  t.is(back.count, 0);
  t.is(back.time.length, 0);
});

test('decoded arrays are fresh, count long, and the int and float views share one buffer', (t) => {
  const data = seriesOf('shape', [
    { time: T0, values: { v: 5n } },
    { time: T0 + 1, values: { v: 6n } },
  ]);
  const back = roundTrip(data);
  const column = back.columns[0]!;
  t.is(back.time.length, 2);
  t.is(column.kinds.length, 2);
  t.is(column.floats.buffer, column.ints.buffer);
  t.not(back.time.buffer, data.time.buffer);
});

test('a short series costs little more than its data, thanks to the preset dictionary', (t) => {
  const data = seriesOf(
    'cpu.host-01',
    Array.from({ length: 10 }, (_, i) => ({ time: T0 + i * 10_000_000, values: { value: 40 + i / 4 } })),
  );
  t.true(encodeSeriesSegment(data).byteLength < 200);
});

test('bytes that are not a segment are reported as corrupt', (t) => {
  const good = encodeSeriesSegment(seriesOf('x', [{ time: T0, values: { v: 1 } }]));
  t.throws(() => decodeSeriesSegment(new Uint8Array([1, 2, 3, 4, 5])), { instanceOf: SegmentCorruptError });
  const truncated = good.subarray(0, good.byteLength - 5);
  t.throws(() => decodeSeriesSegment(truncated), { instanceOf: SegmentCorruptError });
});
