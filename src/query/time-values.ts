import type { Value } from './ast.js';
import { parseDuration } from './durations.js';
import { QuerySemanticError } from './errors.js';

/*
 * Values on the other side of `time` in a where clause (query-language.md §6.2):
 * `now()`, date strings, durations, bare numbers (nanoseconds) and their sums and
 * differences. Evaluated in exact nanoseconds, like 0.8.
 */

/** Whether `value` is built only from things a time expression may contain. */
export function isTimeExpression(value: Value): boolean {
  switch (value.kind) {
    case 'string':
    case 'int':
    case 'float':
    case 'duration':
    case 'call':
      return true;
    case 'paren':
      return isTimeExpression(value.value);
    case 'binary':
      return isTimeExpression(value.left) && isTimeExpression(value.right);
    case 'bool':
    case 'identifier':
    case 'wildcard':
      return false;
  }
}

/** Nanoseconds since the epoch; throws the §6.2 errors for what 0.8 refused. */
export function timeExpressionNanoseconds(value: Value, nowUs: number): bigint {
  switch (value.kind) {
    case 'call':
      if (value.name.toLowerCase() !== 'now') throw new QuerySemanticError(`Invalid use of function ${value.name}`);
      return BigInt(Math.trunc(nowUs)) * 1000n;
    case 'string': {
      const time = dateStringNanoseconds(value.value);
      if (time === undefined) throw new QuerySemanticError(`${value.value} isn't a valid time string`);
      return time;
    }
    case 'duration':
      return value.nanoseconds;
    case 'int':
    case 'float':
      // A bare number is nanoseconds (§2.7 Project rule, as 0.8 behaved).
      return parseDuration(value.text)!.nanoseconds;
    case 'paren':
      return timeExpressionNanoseconds(value.value, nowUs);
    case 'binary': {
      if (value.op !== '+' && value.op !== '-') throw new QuerySemanticError(`Cannot use '${value.op}' in a time expression`);
      const left = timeExpressionNanoseconds(value.left, nowUs);
      const right = timeExpressionNanoseconds(value.right, nowUs);
      return value.op === '+' ? left + right : left - right;
    }
    case 'bool':
    case 'identifier':
    case 'wildcard':
      // Callers only pass values accepted by isTimeExpression.
      throw new Error(`not a time expression: ${value.kind}`);
  }
}

/** `YYYY-MM-DD[ H[H][:MM[:SS[.fraction]]]]`, UTC; one-digit hours were accepted by 0.8. */
const DATE_STRING = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{1,2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?$/;

function dateStringNanoseconds(text: string): bigint | undefined {
  const match = DATE_STRING.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  // Date rolls 2014-02-30 over to March; 0.8 rejected it.
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
    date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
  if (!valid) return undefined;
  const fraction = BigInt((match[7] ?? '').slice(0, 9).padEnd(9, '0'));
  return BigInt(date.getTime()) * 1_000_000n + fraction;
}
