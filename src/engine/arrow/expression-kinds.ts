import type { Expression } from '../arithmetic.js';
import type { Scalar } from '../values.js';
import { FLOAT_KIND, INT_KIND, WIDE_INT_KIND, type KindSet } from '../../storage/kind-set.js';
import { kindOfScalar } from './column-types.js';

/**
 * The kinds an arithmetic expression's results may hold, read from the kinds of the columns it
 * names, before any row is computed: an Arrow answer declares its columns' types in the schema,
 * ahead of the rows (arithmetic.ts gives the rules). It may hold more kinds than the rows turn
 * out to have — a sum of two ints is counted as possibly beyond 2^53 — never fewer, so every
 * result fits the declared type exactly.
 */
export function expressionKinds(expression: Expression, columnKinds: (name: string) => KindSet): KindSet {
  switch (expression.kind) {
    case 'column':
      return columnKinds(expression.name);
    case 'constant':
      return constantKinds(expression.value);
    case 'binary': {
      const left = expressionKinds(expression.left, columnKinds);
      const right = expressionKinds(expression.right, columnKinds);
      const numeric = INT_KIND | FLOAT_KIND;
      let kinds = 0;
      if (left & INT_KIND && right & INT_KIND) {
        // An int quotient is never larger than its dividend; a sum, difference or product may leave 2^53.
        kinds |= INT_KIND | (expression.op === '/' ? (left | right) & WIDE_INT_KIND : WIDE_INT_KIND);
      }
      if ((left & FLOAT_KIND && right & numeric) || (right & FLOAT_KIND && left & numeric)) kinds |= FLOAT_KIND;
      return kinds;
    }
  }
}

function constantKinds(value: Scalar): KindSet {
  const kinds = kindOfScalar(value);
  return typeof value === 'bigint' && (value >= 2n ** 53n || value <= -(2n ** 53n)) ? kinds | WIDE_INT_KIND : kinds;
}
