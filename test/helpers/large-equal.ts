import type { ExecutionContext } from 'ava';
import { isDeepStrictEqual } from 'node:util';

/**
 * `t.deepEqual` for values of thousands of rows. ava describes every node of both values
 * before it compares them, which took seconds of CPU (mostly garbage collection) for one
 * block's rows; Node's strict comparison does not allocate. ava's own comparison still runs
 * when the two differ, so a failure prints the same difference as before.
 */
export function deepEqualLarge<Actual, Expected extends Actual>(
  t: ExecutionContext,
  actual: Actual,
  expected: Expected,
  message?: string,
): void {
  if (isDeepStrictEqual(actual, expected)) t.pass(message);
  else t.deepEqual(actual, expected, message);
}
