import test from 'ava';
import fc from 'fast-check';
import { compareGroupValues, compareRankedValues } from '../../src/engine/values.js';

test('strings compare in UTF-8 byte order, astral characters included', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      t.is(Math.sign(compareGroupValues(a, b)), Buffer.compare(Buffer.from(a), Buffer.from(b)));
    }),
    { numRuns: 2000 },
  );
  t.true(compareGroupValues('\uffff', '😀') < 0);
});

test('ints and floats compare exactly where a float conversion would tie', (t) => {
  t.true(compareRankedValues(2n ** 53n + 1n, 2 ** 53) > 0);
  t.true(compareRankedValues(2 ** 53, 2n ** 53n + 1n) < 0);
  t.is(compareRankedValues(3n, 3), 0);
  t.true(compareRankedValues(3n, 3.5) < 0);
  t.true(compareRankedValues(-3n, -3.5) > 0);
  t.true(compareGroupValues(10n, 2.5) < 0, 'as group values, every int precedes every float');
});
