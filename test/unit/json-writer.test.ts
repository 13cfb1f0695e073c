import test from 'ava';
import { allocateColumn, ValueKind } from '../../src/storage/columns.js';
import { int32Halves, writeValue } from '../../src/storage/json-rows.js';
import { JsonWriter } from '../../src/storage/json-writer.js';

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

test('strings are escaped and multi-byte text is encoded as UTF-8', (t) => {
  const value = 'quote " backslash \\ newline \n ünïcödé 🚀';
  t.is(JSON.parse(printed((out) => out.string(value))), value);
});
