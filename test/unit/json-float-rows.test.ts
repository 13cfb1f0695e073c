/**
 * `writeFloatRows`, the export path for runs of rows whose columns hold a float in every row,
 * prints exactly what the general row path (`writeRow`, held to JSON.stringify in
 * json-writer.test.ts) prints, in every precision and order, for floats of every form.
 */
import test from 'ava';
import { allocateColumn, ValueKind, type Column } from '../../src/storage/columns.js';
import { int32Halves, writeFloatRows, writeRow } from '../../src/engine/json/json-rows.js';
import { JsonWriter } from '../../src/engine/json/json-writer.js';
import { fromMicros, type TimePrecision } from '../../src/time-precision.js';

const ROWS = 2000;
const SPECIAL = [0, -0, 0.1, -2.5, 12.34, 1e-7, -1.2345678901234567e-6, 123456789012345680000, 1e21, -1e300, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 2 ** 53, 999999999.999999];

function floatColumn(name: string, value: (row: number) => number): Column {
  const column = allocateColumn(name, ROWS);
  for (let i = 0; i < ROWS; i++) {
    column.kinds[i] = ValueKind.Float;
    column.floats[i] = value(i);
  }
  return column;
}

function randomFloat(): number {
  const pick = Math.random();
  if (pick < 0.1) return SPECIAL[Math.floor(Math.random() * SPECIAL.length)]!;
  if (pick < 0.6) return Math.round((Math.random() - 0.3) * 1e6) / 100;
  if (pick < 0.8) return (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
  return Math.random() * 1e9;
}

/** Times below 2^53 µs in magnitude, whole units and one either side among them; sequence numbers below 2^53. */
function block(): { time: Float64Array; seq: Float64Array; columns: Column[] } {
  const time = new Float64Array(ROWS);
  const seq = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const whole = Math.trunc((Math.random() * 2 - 1) * 9e9) * 1e6;
    time[i] = whole + [0, 1, -1, Math.floor(Math.random() * 1e6)][i % 4]!;
    seq[i] = Math.floor(Math.random() * 2 ** 53);
  }
  return { time, seq, columns: [floatColumn('a', randomFloat), floatColumn('b', randomFloat)] };
}

function general(time: Float64Array, seq: Float64Array, columns: Column[], precision: TimePrecision, rows: number[], leadingComma: boolean): string {
  const out = new JsonWriter(1);
  const halves = columns.map(int32Halves);
  rows.forEach((i, k) => {
    if (k > 0 || leadingComma) out.byte(44);
    writeRow(out, fromMicros(time[i]!, precision), seq[i]!, columns, halves, i, null);
  });
  return Buffer.from(out.bytes()).toString('utf8');
}

test('runs of float rows print as the general row path prints them, in every precision and order', (t) => {
  for (let round = 0; round < 20; round++) {
    const { time, seq, columns } = block();
    for (const precision of ['s', 'ms', 'u'] as const) {
      for (const [from, step, count] of [
        [0, 1, ROWS],
        [ROWS - 1, -1, ROWS],
        [17, 1, 100],
        [1500, -1, 1],
      ] as const) {
        const leadingComma = round % 2 === 1;
        const out = new JsonWriter(1);
        const written = writeFloatRows(out, time, seq, precision, columns.map((c) => c.floats), from, step, count, leadingComma);
        t.is(written, count);
        const rows = Array.from({ length: count }, (_, k) => from + k * step);
        const text = Buffer.from(out.bytes()).toString('utf8');
        if (text !== general(time, seq, columns, precision, rows, leadingComma)) {
          t.fail(`precision ${precision}, rows ${from} by ${step} × ${count}: ${text.slice(0, 200)}`);
          return;
        }
      }
    }
  }
  t.pass();
});

test('a run stops before a sequence number of 2^53 or more, which the general path then prints', (t) => {
  const { time, seq, columns } = block();
  seq[5] = 1e17;
  const out = new JsonWriter(1);
  t.is(writeFloatRows(out, time, seq, 's', columns.map((c) => c.floats), 0, 1, 10, false), 5);
  t.is(Buffer.from(out.bytes()).toString('utf8'), general(time, seq, columns, 's', [0, 1, 2, 3, 4], false));
});
