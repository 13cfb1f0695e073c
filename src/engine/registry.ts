import { QueryError } from '../errors.js';
import type { Aggregate, ScanOrder } from './aggregates/aggregate.js';
import { count, countOf } from './aggregates/count.js';
import { derivative, difference } from './aggregates/derivative-difference.js';
import { distinct, mode } from './aggregates/distinct-mode.js';
import { first, last } from './aggregates/first-last.js';
import { histogram } from './aggregates/histogram.js';
import { max, min } from './aggregates/min-max.js';
import { percentile } from './aggregates/percentile.js';
import { stddev } from './aggregates/stddev.js';
import { mean, sum } from './aggregates/sum-mean.js';
import { ranked } from './aggregates/top-bottom.js';
import { argumentText, type AggregateArgument, type AggregateCall } from './arguments.js';

/*
 * The 0.8 aggregate functions by name (functions.md): argument checks with 0.8's messages,
 * output column names, and the plain-data spec a shard thread rebuilds the aggregate from.
 */

const SIMPLE = ['distinct', 'sum', 'mean', 'min', 'max', 'median', 'mode', 'stddev', 'derivative', 'difference', 'first', 'last'] as const;

/** Everything needed to rebuild an aggregate in another thread. */
export type AggregateSpec =
  | { readonly name: 'count'; readonly inner?: AggregateSpec }
  | { readonly name: (typeof SIMPLE)[number] }
  | { readonly name: 'percentile'; readonly p: number }
  | { readonly name: 'histogram'; readonly size: number }
  | { readonly name: 'top' | 'bottom'; readonly n: number };

export type FunctionName = AggregateSpec['name'];

export interface ResolvedAggregate {
  readonly spec: AggregateSpec;
  /** Evaluated for every input row and fed to the aggregate (for count(f(x)), f's argument). */
  readonly argument: AggregateArgument;
  /** Output column names, the alias applied. */
  readonly columns: readonly string[];
}

const NAMES: ReadonlySet<string> = new Set<FunctionName>([...SIMPLE, 'count', 'percentile', 'histogram', 'top', 'bottom']);

export function isFunctionName(name: string): name is FunctionName {
  return NAMES.has(name);
}

/** "Requires exactly one argument" in each function's own words, as 0.8 had them. */
const ONE_ARGUMENT: Record<(typeof SIMPLE)[number] | 'count', string> = {
  count: 'function count() requires exactly one argument',
  distinct: 'function distinct() requires exactly one argument',
  // 0.8 shared one message among these five.
  sum: 'function max() requires only one argument',
  min: 'function max() requires only one argument',
  max: 'function max() requires only one argument',
  first: 'function max() requires only one argument',
  last: 'function max() requires only one argument',
  mean: 'function mean() requires exactly one argument',
  median: 'function median() requires exactly one argument',
  mode: 'function mode() takes at most one arguments',
  stddev: 'function stddev() requires exactly one argument',
  derivative: 'function derivative() requires exactly one argument',
  difference: 'function difference() requires exactly one argument',
};

/** Validate a select-list function call (functions.md §1, §4); throws QueryError (400). */
export function resolveAggregate(call: AggregateCall): ResolvedAggregate {
  const name = call.name.toLowerCase();
  if (!isFunctionName(name)) throw new QueryError(`Unknown function ${call.name}`);
  const { spec, argument } = resolveArguments(name, call.args);
  const alias = call.alias;
  const columns =
    name === 'histogram'
      ? alias === undefined
        ? ['bucket_start', 'count']
        : [`${alias}_bucket_start`, `${alias}_count`]
      : [alias ?? name];
  return { spec, argument, columns };
}

function resolveArguments(name: FunctionName, args: readonly AggregateArgument[]): Omit<ResolvedAggregate, 'columns'> {
  switch (name) {
    case 'count':
      return resolveCount(args);
    case 'percentile': {
      if (args.length !== 2) throw new QueryError('function percentile() requires exactly two arguments');
      if (args[0]!.kind === 'wildcard') throw new QueryError('wildcard cannot be used with percentile');
      const p = numericLiteral(args[1]!);
      if (p === null || !(p > 0 && p < 100)) {
        throw new QueryError('function percentile() requires a numeric second argument between 0 and 100');
      }
      return { spec: { name, p }, argument: valueArgument(name, args[0]!) };
    }
    case 'histogram': {
      if (args.length === 0) throw new QueryError('function histogram() requires at least one arguments');
      if (args.length > 2) throw new QueryError('function histogram() takes at most two arguments');
      const size = args.length === 2 ? numericLiteral(args[1]!) : 1;
      if (size === null) throw new QueryError(`Cannot parse ${argumentText(args[1]!)} into a float`);
      // A zero size divides every value by zero: no bucket would have a start.
      if (size === 0 || !Number.isFinite(size)) throw new QueryError('function histogram() requires a non-zero bucket size');
      return { spec: { name, size }, argument: valueArgument(name, args[0]!) };
    }
    case 'top':
    case 'bottom': {
      if (args.length !== 2) throw new QueryError(`function ${name}() requires at exactly 2 arguments`);
      const n = args[1]!;
      if (n.kind !== 'int' || n.value < 1n) throw new QueryError(`function ${name}() second parameter expect int`);
      return { spec: { name, n: Number(n.value) }, argument: valueArgument(name, args[0]!) };
    }
    default:
      if (name === 'mode' && args.length === 0) throw new QueryError('function mode() requires at least one argument');
      if (args.length !== 1) throw new QueryError(ONE_ARGUMENT[name]);
      return { spec: { name }, argument: valueArgument(name, args[0]!) };
  }
}

/** count(x) counts rows; count(f(...)) counts f's output rows (functions.md §4 count). */
function resolveCount(args: readonly AggregateArgument[]): Omit<ResolvedAggregate, 'columns'> {
  if (args.length !== 1) throw new QueryError(ONE_ARGUMENT.count);
  const argument = args[0]!;
  if (argument.kind === 'wildcard') throw new QueryError('function count() doesn\'t work with wildcards');
  if (argument.kind === 'column') return { spec: { name: 'count' }, argument };
  if (argument.kind !== 'call') throw new QueryError(`Unknown function ${argumentText(argument)}`);
  const inner = argument.name.toLowerCase();
  if (!isFunctionName(inner)) throw new QueryError(`Unknown function ${inner}`);
  const resolved = resolveArguments(inner, argument.args);
  return { spec: { name: 'count', inner: resolved.spec }, argument: resolved.argument };
}

/** The argument whose per-row value feeds the function. */
function valueArgument(name: FunctionName, argument: AggregateArgument): AggregateArgument {
  if (argument.kind === 'wildcard') throw new QueryError(`function ${name}() doesn't work with wildcards`);
  // Only count takes a function (functions.md §1 "Nesting").
  if (argument.kind === 'call') throw new QueryError(`function ${name}() can't take a function as argument`);
  return argument;
}

function numericLiteral(argument: AggregateArgument): number | null {
  if (argument.kind === 'int') return Number(argument.value);
  if (argument.kind === 'float') return argument.value;
  return null;
}

/** The aggregate a spec names, for a query scanning in `order`. */
export function createAggregate(spec: AggregateSpec, order: ScanOrder): Aggregate<unknown> {
  switch (spec.name) {
    case 'count':
      return spec.inner === undefined ? count : countOf(createAggregate(spec.inner, order));
    case 'distinct':
      return distinct(order);
    case 'sum':
      return sum;
    case 'mean':
      return mean;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'median':
      return percentile(50);
    case 'percentile':
      return percentile(spec.p);
    case 'mode':
      return mode(order);
    case 'histogram':
      return histogram(spec.size);
    case 'stddev':
      return stddev;
    case 'derivative':
      return derivative(order);
    case 'difference':
      return difference(order);
    case 'first':
      return first(order);
    case 'last':
      return last(order);
    case 'top':
    case 'bottom':
      return ranked(spec.name, spec.n, order);
  }
}
