/**
 * The columnar arithmetic evaluator (query-language.md §8 type rules): int∘int stays an exact
 * wrapping int64 with division truncating toward zero, anything with a float is a float,
 * strings, bools and nulls make null, integer division by zero is null, float division by
 * zero is ±Infinity/NaN; checked row by row against a plain BigInt reference.
 */
import test from 'ava';
import fc from 'fast-check';
import { evaluateOutputs, type ArithmeticOperator, type Expression } from '../../src/engine/arithmetic.js';
import { scalarAt, type Scalar } from '../../src/engine/values.js';
import type { Column } from '../../src/storage/columns.js';
import { columnOf } from '../helpers/series-rows.js';

const OPERATORS: readonly ArithmeticOperator[] = ['+', '-', '*', '/'];

/** The rules written the slow, obvious way. */
function reference(a: Scalar, op: ArithmeticOperator, b: Scalar): Scalar {
  const numeric = (v: Scalar): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
  if (!numeric(a) || !numeric(b)) return null;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (op === '/' && b === 0n) return null;
    const exact = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
    return BigInt.asIntN(64, exact);
  }
  const x = Number(a);
  const y = Number(b);
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
}

function column(name: string, values: readonly Scalar[]): Column {
  return columnOf('s', values, name).columns[0]!;
}

function evaluate(expression: Expression, columns: readonly Column[], count: number): Scalar[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const [result] = evaluateOutputs([{ name: 'out', expression }], { count, column: (n) => byName.get(n) });
  return Array.from({ length: count }, (_, i) => scalarAt(result!, i));
}

const binary = (op: ArithmeticOperator, left: Expression, right: Expression): Expression => ({ kind: 'binary', op, left, right });
const col = (name: string): Expression => ({ kind: 'column', name });
const constant = (value: Scalar): Expression => ({ kind: 'constant', value });

test('the §8 table, one row per case', (t) => {
  const a = column('a', [7n, -7n, 7.5, 7n, 7, 'x', true, null, 2n ** 63n - 1n]);
  const b = column('b', [2n, 2n, 2n, 0n, 0, 1n, 1n, 3n, 1n]);
  const rows = a.kinds.length;
  t.deepEqual(evaluate(binary('/', col('a'), col('b')), [a, b], rows), [3n, -3n, 3.75, null, Infinity, null, null, null, 2n ** 63n - 1n]);
  t.deepEqual(evaluate(binary('+', col('a'), col('b')), [a, b], rows), [9n, -5n, 9.5, 7n, 7, null, null, null, -(2n ** 63n)]);
  t.deepEqual(evaluate(binary('*', col('a'), constant(1.5)), [a], rows).slice(0, 3), [10.5, -10.5, 11.25]);
});

test('a missing column reads as null; constants fold and fill the block', (t) => {
  t.deepEqual(evaluate(binary('+', col('nosuch'), constant(1n)), [], 2), [null, null]);
  t.deepEqual(evaluate(binary('*', constant(2n), constant(3n)), [], 2), [6n, 6n]);
  t.deepEqual(evaluate(binary('/', constant(1n), constant(0n)), [], 1), [null]);
  t.deepEqual(evaluate(binary('/', constant(0), constant(0)), [], 1), [NaN]);
  t.deepEqual(evaluate(constant('s'), [], 2), ['s', 's']);
  const a = column('a', [0, 2n ** 60n]);
  t.deepEqual(evaluate(binary('+', binary('/', col('a'), col('a')), constant(1)), [a], 2), [NaN, 2], 'a NaN float stays NaN');
});

test('a stored column passes through under its output name, uncopied', (t) => {
  const a = column('a', [1n, 2n]);
  const [out] = evaluateOutputs([{ name: 'x', expression: col('a') }], { count: 2, column: () => a });
  t.is(out!.name, 'x');
  t.is(out!.kinds, a.kinds);
});

const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map(BigInt),
  fc.constantFrom(0n, 1n, -1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n)),
  fc.double({ noNaN: true }),
  fc.constantFrom(null, true, false, 'str', 0),
);

test('columnar results equal the row-by-row reference on random mixed columns', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(scalar, scalar), { minLength: 1, maxLength: 40 }), fc.constantFrom(...OPERATORS), (pairs, op) => {
      const a = column('a', pairs.map(([x]) => x));
      const b = column('b', pairs.map(([, y]) => y));
      const got = evaluate(binary(op, col('a'), col('b')), [a, b], pairs.length);
      const expected = pairs.map(([x, y]) => reference(x, op, y));
      t.deepEqual(got, expected);
      const withConstant = evaluate(binary(op, col('a'), constant(pairs[0]![1])), [a], pairs.length);
      t.deepEqual(withConstant, pairs.map(([x]) => reference(x, op, pairs[0]![1])));
    }),
    { numRuns: 500 },
  );
});
