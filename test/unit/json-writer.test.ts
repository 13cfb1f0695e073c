import test from 'ava';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { int32Halves, writeRow, writeValue } from '../../src/engine/json/json-rows.js';
import { JsonWriter } from '../../src/engine/json/json-writer.js';

function printed(write: (out: JsonWriter) => void): string {
  const out = new JsonWriter(1);
  write(out);
  return Buffer.from(out.bytes()).toString('utf8');
}

test('floats print as JSON that reads back as the same double', (t) => {
  const samples = [0.1, 0.2, 0.1 + 0.2, 12.34, -12.34, 99.99, 0.01, 1e-7, 123456789.5, 1e21, 5e-324, -0.5, 1.5e300, 2 ** 53 + 2, 42, -1];
  for (let i = 0; i < 20_000; i++) samples.push(Math.round(Math.random() * 1e6) / 100, (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 20 - 10));
  for (const value of samples) {
    const text = printed((out) => out.float(value));
    t.is(JSON.parse(text), value, `${value} printed as ${text}`);
  }
});

test('decimals of up to six fraction digits print exactly as JavaScript prints them', (t) => {
  const samples = [0.000001, 0.000009, 0.1, 0.5, 1.25, 999_999_999.999999, 999_999_999.5, 123_456_789.123456, 0.100001, 10.000001, 55.55, 1e-6 * 7];
  for (let i = 0; i < 50_000; i++) {
    const decimals = 1 + (i % 6);
    const digits = 1 + ((i * 7) % 15);
    const value = Math.round(Math.random() * 10 ** digits) / 10 ** decimals;
    samples.push(i % 2 === 0 ? value : -value);
  }
  for (const value of samples) t.is(printed((out) => out.float(value)), JSON.stringify(value), String(value));
});

test('short decimals print as short decimals and non-finite floats as null', (t) => {
  t.is(printed((out) => out.float(12.34)), '12.34');
  t.is(printed((out) => out.float(-0.5)), '-0.5');
  t.is(printed((out) => out.float(100)), '100');
  t.is(printed((out) => out.float(-0)), '0');
  t.is(printed((out) => out.float(Number.NaN)), 'null');
  t.is(printed((out) => out.float(Number.POSITIVE_INFINITY)), 'null');
});

test('integers print exactly, including the int64 extremes', (t) => {
  for (const value of [0, 7, -7, 99, 100, 1e8, 1e8 - 1, 123456789012, -1400000000000, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
    t.is(printed((out) => out.integer(value)), String(value));
  }
  const column = allocateColumn('v', 4);
  const ints = [9223372036854775807n, -9223372036854775808n, 3n, -4503599627370497n];
  ints.forEach((v, i) => {
    column.kinds[i] = ValueKind.Int;
    column.ints[i] = v;
  });
  const halves = int32Halves(column);
  t.deepEqual(
    ints.map((_, i) => printed((out) => writeValue(out, column, halves, i))),
    ints.map(String),
  );
});

test('integers of every length, at and between the powers of ten, print as JavaScript prints them', (t) => {
  const samples: number[] = [];
  for (let digits = 1; digits <= 16; digits++) {
    const power = 10 ** (digits - 1);
    samples.push(power, power - 1, power + 1, 10 * power - 1);
    for (let i = 0; i < 500; i++) samples.push(power + Math.floor(Math.random() * 9 * power));
  }
  for (const value of samples.filter((v) => v < 2 ** 53)) {
    t.is(printed((out) => out.integer(value)), String(value));
    t.is(printed((out) => out.integer(-value)), String(-value));
    // A float with that whole part and a fraction takes the same digits before its point.
    const fractional = (value % 1e8) + 0.25;
    t.is(printed((out) => out.float(fractional)), JSON.stringify(fractional));
  }
});

test('strings are escaped and multi-byte text is encoded as UTF-8', (t) => {
  const value = 'quote " backslash \\ newline \n ünïcödé 🚀';
  t.is(JSON.parse(printed((out) => out.string(value))), value);
});

/** Every integral double's exact value, as BigInt prints it. */
const exactly = (value: number): string => BigInt(value).toString();

test('integers at and beyond 2^53 print as the exact value of their double', (t) => {
  const samples = [2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e16, 1e17, -1e17, 32_503_680_000_000_000, -62_167_219_200_000_000, 2 ** 63, -(2 ** 63), 1e21, 1e300];
  for (let i = 0; i < 20_000; i++) samples.push(Math.trunc((Math.random() - 0.5) * 2 ** Math.floor(Math.random() * 70)));
  for (const value of samples) t.is(printed((out) => out.integer(value)), exactly(value), String(value));
});

/** One row as `writeRow` prints it, with the given time and sequence number and one int column. */
function rowText(time: number, seq: number, int: bigint, indent: string | null): string {
  const column = allocateColumn('v', 1);
  column.kinds[0] = ValueKind.Int;
  column.ints[0] = int;
  return printed((out) => writeRow(out, time, seq, [column], [int32Halves(column)], 0, indent));
}

test('rows keep every digit and sign of times and sequence numbers beyond 2^53', (t) => {
  // A year-3000 and a year-0 time in µs, and a sequence number stored before they were bounded.
  t.is(rowText(32_503_680_000_000_000, 1e17, 5n, null), '[32503680000000000,100000000000000000,5]');
  t.is(rowText(-62_167_219_200_000_000, 10001, -5n, null), '[-62167219200000000,10001,-5]');
  t.is(rowText(1_400_000_000, 2 ** 53 - 1, 9223372036854775807n, null), '[1400000000,9007199254740991,9223372036854775807]');
  t.is(rowText(-(2 ** 53), 1e300, -9223372036854775808n, null), `[-9007199254740992,${exactly(1e300)},-9223372036854775808]`);
});

test('pretty rows print the same exact numbers as compact ones', (t) => {
  const text = rowText(-62_167_219_200_000_000, 2 ** 53, -9223372036854775808n, '  ');
  t.is(text, '  [\n      -62167219200000000,\n      9007199254740992,\n      -9223372036854775808\n  ]');
});

test('strings print the same whether or not they repeat the last two', (t) => {
  const values = ['a', 'b', 'a', 'b', 'c', 'a', '"q"\n', '"q"\n', 'é😀', 'b', 'é😀', '', '', 'x'.repeat(5000), 'x'.repeat(5000), 'a'];
  const text = printed((out) =>
    values.forEach((value, i) => {
      if (i > 0) out.ascii(',');
      out.string(value);
    }),
  );
  t.deepEqual(JSON.parse(`[${text}]`), values);
});
