import { byteOrder } from '../util/byte-order.js';
import { bucketStart, bucketWidthMicros } from '../engine/buckets.js';
import { resolveFill } from '../engine/fill.js';
import { checkFilledBuckets } from './aggregate-rows.js';
import { argumentOf, selectList } from './aggregate-select-list.js';
import type { FromClause, SelectStatement } from './ast.js';
import { groupByTimeNanoseconds } from './clause-checks.js';
import { rowCondition, seriesSource } from './select-parts.js';
import { joinSides } from './merge-plan.js';
import type { AggregatePlan, EmptyPlan } from './plan.js';
import { conditionColumns, valueColumns } from './row-filter.js';
import { extractTimeRange, MIN_TIME_US } from './time-range.js';

/*
 * Aggregate selects (query-language.md §5.1.1, §9.2, §9.4; functions.md): which functions over
 * which argument values, grouped how, filled with what. Argument and function errors are the
 * registry's 0.8 messages; group-by and fill syntax was already checked by the parser.
 */

export function planAggregate(statement: SelectStatement, nowUs: number): AggregatePlan | EmptyPlan {
  const { from } = statement;
  const { aggregates, projection, columns } = selectList(statement.values);
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
  const referencedColumns = [...new Set([...requiredColumns, ...whereColumns])];
  const sources = sourcesOf(from, referencedColumns);
  if (sources === undefined) return { kind: 'empty' };
  return {
    kind: 'aggregate',
    ...sources,
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
    referencedColumns,
    requiredColumns,
    ...(projection ? { projection } : {}),
    columns: [...columns, ...groupBy],
  };
}

type Sources = Pick<AggregatePlan, 'source' | 'merged' | 'joined'>;

/** What the from clause reads; undefined when a join side has no column to read (0.8 returned nothing). */
function sourcesOf(from: FromClause, referencedColumns: readonly string[]): Sources | undefined {
  switch (from.kind) {
    case 'merge':
      return { source: { kind: 'names', names: [from.left, from.right] }, merged: { name: `${from.left}_merge_${from.right}`, inputs: [from.left, from.right] } };
    case 'join': {
      const sides = joinSides(from, referencedColumns);
      if (sides.some((side) => side.columns.size === 0)) return undefined;
      return {
        source: { kind: 'names', names: sides.map((side) => side.series) },
        joined: {
          name: `${sides[0]!.label}_join_${sides[1]!.label}`,
          sides: sides.map(({ series, label, columns }) => ({ series, label, fields: [...columns].sort(byteOrder) })),
        },
      };
    }
    default:
      return { source: seriesSource(from) };
  }
}
