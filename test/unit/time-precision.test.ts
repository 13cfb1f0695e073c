import test from 'ava';
import { fromMicros, MICROS_PER_UNIT, type TimePrecision } from '../../src/time-precision.js';

const PRECISIONS: TimePrecision[] = ['s', 'ms', 'u'];
/** 0000-01-01 and 9999-12-31T23:59:59.999999 in µs: every time a write can store. */
const FIRST_US = -62_167_219_200_000_000;
const LAST_US = 253_402_300_799_999_999;

/** Truncating integer division of the double's exact value, in BigInt. */
function expected(us: number, precision: TimePrecision): string {
  return (BigInt(us) / BigInt(MICROS_PER_UNIT[precision])).toString();
}

test('stored times convert to every precision exactly, truncating toward zero', (t) => {
  const samples = [0, 1, -1, 999, -999, 1000, -1500, 1_400_000_000_123_456, FIRST_US, LAST_US, -LAST_US];
  // Ends of whole seconds and milliseconds across the range, where a rounded quotient would tip over.
  for (let i = 0; i < 50_000; i++) {
    const whole = Math.trunc(FIRST_US / 1e6 + Math.random() * ((LAST_US - FIRST_US) / 1e6));
    samples.push(whole * 1e6 + 999_999, whole * 1e6 - 999_999, whole * 1e6 + 999_000 + Math.floor(Math.random() * 1000));
    // Whole units and one either side, where a quotient computed from the unit's inverse would tip over.
    const ms = whole * 1000 + Math.floor(Math.random() * 1000);
    samples.push(whole * 1e6, whole * 1e6 + 1, whole * 1e6 - 1, ms * 1000, ms * 1000 + 1, ms * 1000 - 1);
  }
  for (const us of samples) {
    for (const precision of PRECISIONS) t.is(BigInt(fromMicros(us, precision)).toString(), expected(us, precision), `${us} µs in ${precision}`);
  }
});

test('a time near the year 9999 does not round up to the next millisecond', (t) => {
  // Written as 253402300792080999 µs, stored as the nearest double, 253402300792080992.
  const us = 253_402_300_792_080_999;
  t.is(BigInt(us), 253402300792080992n);
  t.is(fromMicros(us, 'ms'), 253_402_300_792_080);
  t.is(fromMicros(-us, 'ms'), -253_402_300_792_080);
  t.is(fromMicros(us, 's'), 253_402_300_792);
});
