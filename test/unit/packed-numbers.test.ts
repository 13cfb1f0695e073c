import test from 'ava';
import fc from 'fast-check';
import { packDecimals, packNumbers, packedAt, packedBytes, unpackNumbers } from '../../src/storage/packed-numbers.js';
import { RowSlab } from '../../src/storage/row-slab.js';
import { sequenceNumberOf } from '../../src/storage/sequence-numbers.js';

function roundTrip(values: number[]): { back: number[]; bytes: number } {
  const packed = packNumbers(Float64Array.from(values), new RowSlab());
  const back = new Float64Array(values.length);
  unpackNumbers(packed, back);
  return { back: [...back], bytes: packedBytes(packed) };
}

test('times and sequence numbers that span little are held in 2 or 4 bytes each and come back exactly', (t) => {
  const cases: Record<string, [number[], number]> = {
    'microseconds with jitter': [[1_704_067_200_000_123, 1_704_067_200_000_001, 1_704_067_260_999_999], 4],
    'whole seconds, a day apart': [[1_600_000_000_000_000, 1_600_086_400_000_000, 1_600_000_010_000_000], 4],
    'whole seconds, 10 s apart over a few hours': [[1_600_000_000_000_000, 1_600_000_010_000_000, 1_600_018_000_000_000], 2],
    'before 1970': [[-5_000_000_000_000, -4_999_999_000_000, -4_999_000_000_007], 4],
    'server sequence numbers': [[sequenceNumberOf(9_000_001), sequenceNumberOf(8_999_003), sequenceNumberOf(9_400_007)], 4],
    'server sequence numbers close together': [[sequenceNumberOf(9_000_001), sequenceNumberOf(9_000_101), sequenceNumberOf(9_065_531)], 2],
    'past 2^53, each as stored': [[2 ** 60, 2 ** 60 + 2 ** 8, 2 ** 60 + 2 ** 9], 2],
    'one value': [[42], 2],
  };
  for (const [name, [values, width]] of Object.entries(cases)) {
    const { back, bytes } = roundTrip(values);
    t.deepEqual(back, values, name);
    t.is(bytes, width * values.length, name);
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

function decimalsRoundTrip(values: number[]): { back: number[]; bytes: number } | null {
  const packed = packDecimals(Float64Array.from(values), new RowSlab());
  if (packed === null) return null;
  const back = new Float64Array(values.length);
  unpackNumbers(packed, back);
  t_sameEach(values, back, packed);
  return { back: [...back], bytes: packedBytes(packed) };
}

/** packedAt reads what unpackNumbers writes. */
function t_sameEach(values: number[], back: Float64Array, packed: ReturnType<typeof packDecimals>): void {
  for (let i = 0; i < values.length; i++) if (!Object.is(packedAt(packed!, i), back[i])) throw new Error(`packedAt(${i}) differs`);
}

test('float values that are short decimals are held in 2 or 4 bytes each and come back bit for bit', (t) => {
  const cases: Record<string, [number[], number]> = {
    'two decimals, a random walk': [[21.37, 21.91, 20.05, 19.99, 22.4], 2],
    'integers': [[0, 1, 65_535], 2],
    'negative decimals': [[-0.001, -12.5, 3.25], 2],
    'one decimal spanning more than 2^16 tenths': [[0.1, 9999.9], 4],
    'large integers': [[1e15, 1e15 + 7], 2],
    'pi, a decimal of 15 digits as a float64 holds it': [[Math.PI], 2],
  };
  for (const [name, [values, width]] of Object.entries(cases)) {
    const packed = decimalsRoundTrip(values);
    t.not(packed, null, name);
    t.true(packed!.back.every((v, i) => Object.is(v, values[i])), name);
    t.is(packed!.bytes, width * values.length, name);
  }
});

test('floats that are not short decimals, or span too far, are left to the caller as they are', (t) => {
  const cases: Record<string, number[]> = {
    'minus zero': [1.5, -0],
    'not a number': [1, Number.NaN],
    'infinity': [1, Number.POSITIVE_INFINITY],
    'a third': [1 / 3],
    'a sum that is no short decimal': [0.1 + 0.2, 0.3],
    'the smallest subnormal': [5e-324],
    'past 2^52': [2 ** 53 + 2],
    'decimals spanning more than 2^32 steps': [0.01, 1e8],
    'nothing': [],
  };
  for (const [name, values] of Object.entries(cases)) t.is(packDecimals(Float64Array.from(values), new RowSlab()), null, name);
});

test('any floats pack as decimals only when every one comes back bit for bit', (t) => {
  const decimal = fc.tuple(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 0, max: 6 })).map(([n, k]) => n / 10 ** k);
  fc.assert(
    fc.property(fc.array(fc.oneof(decimal, decimal, fc.double()), { minLength: 1, maxLength: 40 }), (values) => {
      const packed = packDecimals(Float64Array.from(values), new RowSlab());
      if (packed === null) return true;
      const back = new Float64Array(values.length);
      unpackNumbers(packed, back);
      return values.every((v, i) => Object.is(v, back[i]));
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
