import test from 'ava';
import fc from 'fast-check';
import { selectKth } from '../../src/engine/aggregates/select-kth.js';

test('quickselect returns what a full sort puts at index k', (t) => {
  fc.assert(
    fc.property(
      // -0 and 0 are one value to a comparison; only a sort tells them apart.
      fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }).map((x) => x + 0)), { minLength: 1, maxLength: 2000 }),
      fc.nat(),
      (values, k) => {
        const index = k % values.length;
        const sorted = Float64Array.from(values).sort();
        t.is(selectKth(Float64Array.from(values), index), sorted[index]!);
      },
    ),
    { numRuns: 300 },
  );
});

test('quickselect stays exact on sorted, reversed and constant input', (t) => {
  const ascending = Float64Array.from({ length: 10_001 }, (_, i) => i);
  t.is(selectKth(ascending.slice(), 9_000), 9_000);
  t.is(selectKth(ascending.slice().reverse(), 17), 17);
  t.is(selectKth(new Float64Array(5_000).fill(3), 2_500), 3);
});
