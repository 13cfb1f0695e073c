import test from 'ava';
import { Float64, Int64, Uint8, Uint16, Uint64, type Field } from 'apache-arrow';
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { SegmentCorruptError } from '../../src/storage/compression.js';
import { decodeSeriesSegment, encodeSeriesSegment, seriesToArrowTable } from '../../src/storage/segment-codec.js';

/** A value as a test writes it: number = Float, bigint = Int. */
type Value = null | number | bigint | boolean | string;
interface Row {
  readonly time: number;
  readonly values: Readonly<Record<string, Value>>;
}

const T0 = 1_700_000_000_000_000;

/** Build series columns the way a memtable would: one slot per row, strings by table index. */
function seriesOf(series: string, rows: readonly Row[], seqStride = 10_000_000): SeriesColumns {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row.values)))];
  const columns = names.map((name) => {
    const column = allocateColumn(name, rows.length);
    rows.forEach((row, i) => {
      const value = row.values[name] ?? null;
      if (value === null) {
        column.kinds[i] = ValueKind.Null;
      } else if (typeof value === 'number') {
        column.kinds[i] = ValueKind.Float;
        column.floats[i] = value;
      } else if (typeof value === 'bigint') {
        column.kinds[i] = ValueKind.Int;
        column.ints[i] = value;
      } else if (typeof value === 'boolean') {
        column.kinds[i] = ValueKind.Bool;
        column.floats[i] = value ? 1 : 0;
      } else {
        column.kinds[i] = ValueKind.String;
        column.floats[i] = column.strings.length;
        column.strings.push(value);
      }
    });
    return column;
  });
  return {
    series,
    count: rows.length,
    time: Float64Array.from(rows, (row) => row.time),
    seq: Float64Array.from(rows, (_, i) => 1 + i * seqStride),
    columns,
  };
}

/** The rows back as plain values; floats as [bits] so -0, NaN payloads and 0 stay distinct. */
function rowsOf(data: SeriesColumns): unknown[] {
  const bits = new BigUint64Array(1);
  const asFloat = new Float64Array(bits.buffer);
  const rows: unknown[] = [];
  for (let i = 0; i < data.count; i++) {
    const values: Record<string, unknown> = {};
    for (const column of data.columns) {
      switch (column.kinds[i]) {
        case ValueKind.Null:
          values[column.name] = null;
          break;
        case ValueKind.Float:
          asFloat[0] = column.floats[i]!;
          values[column.name] = { float: column.floats[i], bits: bits[0]!.toString(16) };
          break;
        case ValueKind.Int:
          values[column.name] = column.ints[i];
          break;
        case ValueKind.Bool:
          values[column.name] = column.floats[i] === 1;
          break;
        case ValueKind.String:
          values[column.name] = column.strings[column.floats[i]!];
          break;
      }
    }
    rows.push({ time: data.time[i], seq: data.seq[i], values });
  }
  return rows;
}

function roundTrip(data: SeriesColumns): SeriesColumns {
  return decodeSeriesSegment(encodeSeriesSegment(data));
}

function fieldOf(data: SeriesColumns, name: string): Field {
  const found = seriesToArrowTable(data).schema.fields.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no field ${name}`);
  return found;
}

test('every kind round-trips, with nulls between values', (t) => {
  const data = seriesOf('cpu.load', [
    { time: T0, values: { f: 1.5, i: 7n, b: true, s: 'up', gone: null } },
    { time: T0 + 10, values: { f: null, i: null, b: null, s: null, gone: null } },
    { time: T0 + 20, values: { f: -3.25, i: -9n, b: false, s: 'down', gone: null } },
  ]);
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
  const data = seriesOf('mixed', [
    { time: T0, values: { v: 1.25 } },
    { time: T0 + 1, values: { v: 2n ** 63n - 1n } },
    { time: T0 + 2, values: { v: 'text' } },
    { time: T0 + 3, values: { v: null } },
    { time: T0 + 4, values: { v: true } },
    { time: T0 + 5, values: { v: -(2n ** 63n) } },
    { time: T0 + 6, values: { v: 0.1 + 0.2 } },
    { time: T0 + 7, values: { v: '' } },
    { time: T0 + 8, values: { v: false } },
  ]);
  t.is(fieldOf(data, 'v').metadata.get('sluice.kind'), 'mixed');
  t.deepEqual(rowsOf(roundTrip(data)), rowsOf(data));
});

test('unicode, empty and repeated strings round-trip, deduplicated in the dictionary', (t) => {
  const words = ['', 'héllo', '日本語', '🦀 crab', 'a\u0000b', '', 'héllo', 'line\nbreak', '🦀 crab'];
  const data = seriesOf(
    'strings',
    words.map((s, i) => ({ time: T0 + i, values: { s } })),
  );
  const back = roundTrip(data);
  t.deepEqual(rowsOf(back), rowsOf(data));
  t.deepEqual(back.columns[0]!.strings, ['', 'héllo', '日本語', '🦀 crab', 'a\u0000b', 'line\nbreak']);
});

test('floats that are not short decimals keep every bit through raw Float64', (t) => {
  const awkward = [0.1 + 0.2, 1e300, -0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 1 / 3, -1e-300];
  const data = seriesOf(
    'floats',
    awkward.map((v, i) => ({ time: T0 + i, values: { v } })),
  );
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
