import test from 'ava';
import { packNumbers, packedBytes, unpackNumbers } from '../../src/storage/packed-numbers.js';
import { RowSlab } from '../../src/storage/row-slab.js';
import { sequenceNumberOf } from '../../src/storage/sequence-numbers.js';

function roundTrip(values: number[]): { back: number[]; bytes: number } {
  const packed = packNumbers(Float64Array.from(values), new RowSlab());
  const back = new Float64Array(values.length);
  unpackNumbers(packed, back);
  return { back: [...back], bytes: packedBytes(packed) };
}

test('times and sequence numbers that span little are held in 4 bytes each and come back exactly', (t) => {
  const cases: Record<string, number[]> = {
    'microseconds with jitter': [1_704_067_200_000_123, 1_704_067_200_000_001, 1_704_067_260_999_999],
    'whole seconds, a day apart': [1_600_000_000_000_000, 1_600_086_400_000_000, 1_600_000_010_000_000],
    'before 1970': [-5_000_000_000_000, -4_999_999_000_000, -4_999_000_000_007],
    'server sequence numbers': [sequenceNumberOf(9_000_000), sequenceNumberOf(8_999_000), sequenceNumberOf(9_400_000)],
    'past 2^53, each as stored': [2 ** 60, 2 ** 60 + 2 ** 8, 2 ** 60 + 2 ** 9],
    'one value': [42],
  };
  for (const [name, values] of Object.entries(cases)) {
    const { back, bytes } = roundTrip(values);
    t.deepEqual(back, values, name);
    t.is(bytes, 4 * values.length, name);
  }
});

test('values that do not fit steps of 32 bits, or are not whole, are kept as they are', (t) => {
  const cases: Record<string, number[]> = {
    'microseconds two hours apart': [0, 2 * 3600 * 1e6 + 1],
    'client sequence numbers with fractions': [1.5, 2, 3],
    'not a number': [1, Number.NaN],
    'int64 extremes': [-9_223_372_036_854_775_808, 9_223_372_036_854_775_807],
  };
  for (const [name, values] of Object.entries(cases)) {
    const { back, bytes } = roundTrip(values);
    t.deepEqual(back, values, name);
    t.is(bytes, 8 * values.length, name);
  }
});

test('a pack copies its input: the gathered array can be reused', (t) => {
  const values = Float64Array.from([10, 20, 30]);
  const slab = new RowSlab();
  const packed = packNumbers(values, slab);
  values.fill(0);
  const back = new Float64Array(3);
  unpackNumbers(packed, back);
  t.deepEqual([...back], [10, 20, 30]);
  const raw = packNumbers(Float64Array.from([0.5, 1]), slab);
  const rawBack = new Float64Array(2);
  unpackNumbers(raw, rawBack);
  t.deepEqual([...rawBack], [0.5, 1]);
});
