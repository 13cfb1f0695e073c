import type { FunctionCall, Value } from './ast.js';
import { parseDuration } from './durations.js';
import { QuerySemanticError, TimeFunctionError } from './errors.js';

/*
 * The checks 0.8 made right after parsing on the calls that end a `group by` or an
 * `into` clause, and on `time(...)` (query-language.md §4, §9.4). Messages are 0.8's.
 */

/** The argument of the call that ends a group-by clause; only `fill(x)` is allowed. */
export function fillArgument(call: FunctionCall): Value {
  if (call.name !== 'fill') throw new QuerySemanticError(`You can't use ${call.name} with group by`);
  const [value] = call.args;
  if (value === undefined || call.args.length !== 1) throw new QuerySemanticError('`fill` accepts one argument only');
  if (value.kind === 'identifier' && value.name !== 'null') throw new QuerySemanticError(`Unsupported fill value ${value.name}`);
  return value;
}

/** Go's strconv.ParseBool, which 0.8 applied to the text of the backfill argument. */
const GO_BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['1', true], ['t', true], ['T', true], ['true', true], ['TRUE', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['false', false], ['FALSE', false], ['False', false],
]);

/** The flag of the call that ends an into clause; only `backfill(bool)` is allowed. */
export function backfillFlag(call: FunctionCall): boolean {
  if (call.name !== 'backfill') throw new QuerySemanticError(`You can't use ${call.name} with into`);
  const [value] = call.args;
  if (value === undefined || call.args.length !== 1) throw new QuerySemanticError('`backfill` accepts only one argument');
  const flag = GO_BOOLEANS.get(valueText(value));
  if (flag === undefined) throw new QuerySemanticError('`backfill` accepts only bool arguments');
  return flag;
}

/**
 * Width of the `time(d)` bucket in a group-by list, in nanoseconds (a bare number is
 * nanoseconds, §9.4); undefined when the list has no `time(...)`.
 */
export function groupByTimeNanoseconds(values: readonly Value[]): bigint | undefined {
  const call = values.find((value): value is FunctionCall => value.kind === 'call' && value.name.toLowerCase() === 'time');
  if (call === undefined) return undefined;
  const [argument] = call.args;
  if (argument === undefined || call.args.length !== 1) throw new TimeFunctionError('time function only accepts one argument');
  const text = valueText(argument);
  const duration = parseDuration(text);
  if (duration === undefined) throw new TimeFunctionError(`invalid argument ${text} to the time function`);
  // 0.8 held durations in int64 nanoseconds, so a longer bucket wrapped round into garbage;
  // here one would put a point before 1970 in a bucket starting before any time Sluice holds.
  if (duration.nanoseconds > MAX_INT64) {
    throw new TimeFunctionError(`invalid argument ${text} to the time function: longer than 2^63 - 1 ns (about 292 years)`);
  }
  return duration.nanoseconds;
}

const MAX_INT64 = 2n ** 63n - 1n;

/** The text 0.8 kept for a value (its `Name`), which these checks were made on. */
function valueText(value: Value): string {
  switch (value.kind) {
    case 'string':
      return value.value;
    case 'int':
    case 'float':
    case 'duration':
    case 'bool':
      return value.text;
    case 'identifier':
    case 'call':
      return value.name;
    case 'wildcard':
      return '*';
    case 'paren':
      return valueText(value.value);
    case 'binary':
      return value.op;
  }
}
