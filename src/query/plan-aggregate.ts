import { bucketStart, bucketWidthMicros } from '../engine/buckets.js';
import type { AggregateArgument } from '../engine/arguments.js';
import { resolveFill } from '../engine/fill.js';
import { resolveAggregate, type AggregateSpec } from '../engine/registry.js';
import type { Scalar } from '../engine/values.js';
import { checkFilledBuckets } from './aggregate-rows.js';
import type { Condition, FunctionCall, SelectStatement, Value } from './ast.js';
import { groupByTimeNanoseconds } from './clause-checks.js';
import { QuerySemanticError } from './errors.js';
import { rowCondition, seriesSource } from './select-parts.js';
import type { SeriesSource } from './plan.js';
import { conditionColumns, valueColumns } from './row-filter.js';
import { extractTimeRange, MIN_TIME_US } from './time-range.js';

/*
 * Aggregate selects (query-language.md §5.1.1, §9.2, §9.4; functions.md): which functions over
 * which argument values, grouped how, filled with what. Argument and function errors are the
 * registry's 0.8 messages; group-by and fill syntax was already checked by the parser.
 */

/** One select-list function, as the shards rebuild it. */
export interface PlannedAggregate {
  readonly spec: AggregateSpec;
  /** What is evaluated for every input row (for count(f(x)), f's argument). */
  readonly argument: Value;
  /** Its output column(s), the alias applied. */
  readonly columns: readonly string[];
}

export interface AggregatePlan {
  readonly kind: 'aggregate';
  readonly source: SeriesSource;
  /** `a merge b`: one output series, `name`, aggregating the rows of both `inputs` (§10.1). */
  readonly merged?: { readonly name: string; readonly inputs: readonly string[] };
  readonly aggregates: readonly PlannedAggregate[];
  /** Non-time group-by columns, in group-by order. */
  readonly groupBy: readonly string[];
  /** `group by time(...)` bucket width in µs, or null for one bucket at time 0. */
  readonly widthUs: number | null;
  /** Only with `group by time(...)`: fill is ignored otherwise (functions.md §2). */
  readonly fill: { readonly value: Scalar } | undefined;
  readonly startUs: number;
  readonly endUs: number;
  /** Whether the query set its start: fill then covers the whole range, else only the data's. */
  readonly startGiven: boolean;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly where: Condition | undefined;
  readonly whereColumns: readonly string[];
  /** A row is fed to the aggregates only if one of these has a value (§9.3). */
  readonly referencedColumns: readonly string[];
  /** Columns every series must have had (§5.1.2): arguments and group-by columns. */
  readonly requiredColumns: readonly string[];
  /** Output columns after `time`. */
  readonly columns: readonly string[];
}

export function planAggregate(statement: SelectStatement, nowUs: number): AggregatePlan {
  const { from } = statement;
  if (from.kind === 'join') throw new QuerySemanticError('inner join queries are not supported by this server yet');
  const aggregates = statement.values.flatMap((value) => plannedAggregates(value));
  const groupValues = statement.groupBy?.values ?? [];
  const timeNs = groupByTimeNanoseconds(groupValues);
  const widthUs = timeNs === undefined ? null : bucketWidthMicros(timeNs);
  const groupBy = [...new Set(groupValues.flatMap((v) => (v.kind === 'identifier' ? [v.name] : [])))];
  const fillValue = statement.groupBy?.fill;
  const fill = fillValue === undefined || widthUs === null ? undefined : { value: resolveFill(argumentOf(fillValue)) };

  const range = extractTimeRange(statement.where, nowUs);
  const startGiven = range.startUs !== MIN_TIME_US;
  if (fill !== undefined && widthUs !== null && startGiven) {
    checkFilledBuckets(bucketStart(range.startUs, widthUs), bucketStart(range.endUs - 1, widthUs), widthUs, statement.limit);
  }
  const where = rowCondition(range);
  const whereColumns = where ? [...conditionColumns(where)] : [];
  const argumentColumns = new Set<string>();
  for (const aggregate of aggregates) valueColumns(aggregate.argument, argumentColumns);
  const requiredColumns = [...new Set([...argumentColumns, ...groupBy])];
  return {
    kind: 'aggregate',
    ...(from.kind === 'merge'
      ? { source: { kind: 'names', names: [from.left, from.right] }, merged: { name: `${from.left}_merge_${from.right}`, inputs: [from.left, from.right] } }
      : { source: seriesSource(from) }),
    aggregates,
    groupBy,
    widthUs,
    fill,
    startUs: range.startUs,
    endUs: range.endUs,
    startGiven,
    order: statement.order,
    limit: statement.limit,
    where,
    whereColumns,
    referencedColumns: [...new Set([...requiredColumns, ...whereColumns])],
    requiredColumns,
    columns: [...aggregates.flatMap((a) => a.columns), ...groupBy],
  };
}

/**
 * The aggregates of one select item: a call (possibly parenthesised and aliased) is one;
 * plain columns and literals are ignored (functions.md §1); a call inside arithmetic is an error.
 */
function plannedAggregates(value: Value, alias?: string): PlannedAggregate[] {
  if (value.kind === 'paren') return plannedAggregates(value.value, value.alias ?? alias);
  if (value.kind === 'call') {
    const call = { name: value.name, args: value.args.map(argumentOf), ...(value.alias ?? alias ? { alias: value.alias ?? alias } : {}) };
    const { spec, columns } = resolveAggregate(call);
    return [{ spec, argument: evaluatedArgument(value), columns }];
  }
  if (containsCall(value)) throw new QuerySemanticError('Cannot use aggregate functions in arithmetic expressions');
  return [];
}

function containsCall(value: Value): boolean {
  if (value.kind === 'call') return true;
  if (value.kind === 'paren') return containsCall(value.value);
  if (value.kind === 'binary') return containsCall(value.left) || containsCall(value.right);
  return false;
}

/** The value fed to the function per row: its first argument, or for count(f(x)) f's. */
function evaluatedArgument(call: FunctionCall): Value {
  const first = unwrap(call.args[0]!);
  return first.kind === 'call' ? unwrap(first.args[0]!) : first;
}

function unwrap(value: Value): Value {
  return value.kind === 'paren' ? unwrap(value.value) : value;
}

/** A syntax-tree value as the engine's registry describes arguments. */
function argumentOf(value: Value): AggregateArgument {
  switch (value.kind) {
    case 'identifier':
      return { kind: 'column', name: value.name };
    case 'binary':
      return { kind: 'expression', operator: value.op };
    case 'int':
      return { kind: 'int', value: value.value, text: value.text };
    case 'float':
      return { kind: 'float', value: value.value, text: value.text };
    case 'wildcard':
      return { kind: 'wildcard' };
    case 'call':
      return { kind: 'call', name: value.name, args: value.args.map(argumentOf) };
    case 'paren':
      return argumentOf(value.value);
    case 'string':
      return { kind: 'other', text: value.value };
    case 'duration':
    case 'bool':
      return { kind: 'other', text: value.text };
  }
}
