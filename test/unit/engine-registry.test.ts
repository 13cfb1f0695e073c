import test from 'ava';
import { QueryError } from '../../src/errors.js';
import type { AggregateArgument, AggregateCall } from '../../src/engine/arguments.js';
import { resolveAggregate } from '../../src/engine/registry.js';
import { call, col, float, int } from './engine-query.js';

/* Argument checks with the 400 texts of functions.md §1 and §4, and output column names. */

const star: AggregateArgument = { kind: 'wildcard' };
const sum: AggregateArgument = { kind: 'expression', operator: '+' };
const text = (t: string): AggregateArgument => ({ kind: 'other', text: t });
const nested = (name: string, ...args: AggregateArgument[]): AggregateArgument => ({ kind: 'call', name, args });

const rejected: [AggregateCall, string][] = [
  [call('average', col('x')), 'Unknown function average'],
  [call('count'), 'function count() requires exactly one argument'],
  [call('count', col('x'), col('y')), 'function count() requires exactly one argument'],
  [call('count', star), "function count() doesn't work with wildcards"],
  [call('count', sum), 'Unknown function +'],
  [call('count', nested('Nope', col('x'))), 'Unknown function nope'],
  [call('count', nested('percentile', col('x'))), 'function percentile() requires exactly two arguments'],
  [call('distinct'), 'function distinct() requires exactly one argument'],
  [call('sum', col('x'), col('y')), 'function max() requires only one argument'],
  [call('min'), 'function max() requires only one argument'],
  [call('first', col('x'), col('y')), 'function max() requires only one argument'],
  [call('mean'), 'function mean() requires exactly one argument'],
  [call('mean', star), "function mean() doesn't work with wildcards"],
  [call('median', col('x'), int(3)), 'function median() requires exactly one argument'],
  [call('percentile', col('x')), 'function percentile() requires exactly two arguments'],
  [call('percentile', star, int(90)), 'wildcard cannot be used with percentile'],
  [call('percentile', col('x'), int(100)), 'function percentile() requires a numeric second argument between 0 and 100'],
  [call('percentile', col('x'), int(0)), 'function percentile() requires a numeric second argument between 0 and 100'],
  [call('percentile', col('x'), col('y')), 'function percentile() requires a numeric second argument between 0 and 100'],
  [call('mode'), 'function mode() requires at least one argument'],
  [call('mode', col('x'), col('y')), 'function mode() takes at most one arguments'],
  [call('histogram'), 'function histogram() requires at least one arguments'],
  [call('histogram', col('x'), int(1), int(2)), 'function histogram() takes at most two arguments'],
  [call('histogram', star), "function histogram() doesn't work with wildcards"],
  [call('histogram', col('x'), text("'a'")), "Cannot parse 'a' into a float"],
  [call('stddev', star), "function stddev() doesn't work with wildcards"],
  [call('derivative', col('x'), col('y')), 'function derivative() requires exactly one argument'],
  [call('difference', star), "function difference() doesn't work with wildcards"],
  [call('top', col('x')), 'function top() requires at exactly 2 arguments'],
  [call('top', col('x'), float(2.5)), 'function top() second parameter expect int'],
  [call('bottom', col('x'), int(0)), 'function bottom() second parameter expect int'],
  [call('mean', nested('max', col('x'))), "function mean() can't take a function as argument"],
];

for (const [n, [aggregateCall, message]] of rejected.entries()) {
  test(`#${n} ${aggregateCall.name}(…) is rejected with "${message}"`, (t) => {
    const error = t.throws(() => resolveAggregate(aggregateCall), { instanceOf: QueryError, message });
    t.is(error?.status, 400);
  });
}

test('names are case-insensitive and output columns use the lower-case name', (t) => {
  t.deepEqual(resolveAggregate(call('COUNT', col('x'))).columns, ['count']);
  t.deepEqual(resolveAggregate(call('Distinct', col('x'))).columns, ['distinct']);
});

test('an alias names the column; a histogram alias prefixes both of its columns', (t) => {
  t.deepEqual(resolveAggregate({ ...call('count', col('x')), alias: 'n' }).columns, ['n']);
  t.deepEqual(resolveAggregate(call('histogram', col('x'))).columns, ['bucket_start', 'count']);
  t.deepEqual(resolveAggregate({ ...call('histogram', col('x')), alias: 'h' }).columns, ['h_bucket_start', 'h_count']);
});

test('count of a nested aggregate feeds the inner argument and keeps the name count', (t) => {
  const resolved = resolveAggregate(call('count', nested('DISTINCT', col('x'))));
  t.deepEqual(resolved.spec, { name: 'count', inner: { name: 'distinct' } });
  t.deepEqual(resolved.argument, col('x'));
  t.deepEqual(resolved.columns, ['count']);
});

test('numeric parameters: float percentiles, default histogram size 1, top N', (t) => {
  t.deepEqual(resolveAggregate(call('percentile', col('x'), float(95.5))).spec, { name: 'percentile', p: 95.5 });
  t.deepEqual(resolveAggregate(call('histogram', col('x'))).spec, { name: 'histogram', size: 1 });
  t.deepEqual(resolveAggregate(call('histogram', col('x'), int(5))).spec, { name: 'histogram', size: 5 });
  t.deepEqual(resolveAggregate(call('top', sum, int(3))).spec, { name: 'top', n: 3 });
});

test('an expression or literal is a valid first argument outside count', (t) => {
  t.deepEqual(resolveAggregate(call('mean', sum)).argument, sum);
  t.deepEqual(resolveAggregate(call('sum', int(1))).argument, int(1));
});
