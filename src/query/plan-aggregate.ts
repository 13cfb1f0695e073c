import { byteOrder } from '../util/byte-order.js';
import { bucketStart, bucketWidthMicros } from '../engine/buckets.js';
import { resolveFill } from '../engine/fill.js';
import type { RowProjection } from '../engine/row-projection.js';
import type { Scalar } from '../engine/values.js';
import { checkFilledBuckets } from './aggregate-rows.js';
import { argumentOf, selectList, type PlannedAggregate } from './aggregate-select-list.js';
import type { Condition, FromClause, SelectStatement } from './ast.js';
import { groupByTimeNanoseconds } from './clause-checks.js';
import { rowCondition, seriesSource } from './select-parts.js';
import { joinSides } from './merge-plan.js';
import type { EmptyPlan, SeriesRestrictions, SeriesSource } from './plan.js';
import { conditionColumns, valueColumns } from './row-filter.js';
import { extractTimeRange, MIN_TIME_US } from './time-range.js';

/*
 * Aggregate selects (query-language.md §5.1.1, §9.2, §9.4; functions.md): which functions over
 * which argument values, grouped how, filled with what. Argument and function errors are the
 * registry's 0.8 messages; group-by and fill syntax was already checked by the parser.
 */

/** One side of a joined aggregate: its series, column prefix and the columns its blocks carry. */
export interface JoinedSide {
  readonly series: string;
  readonly label: string;
  readonly fields: string[];
}

export interface AggregatePlan {
  readonly kind: 'aggregate';
  readonly source: SeriesSource;
  /** `a merge b`: one output series, `name`, aggregating the rows of both `inputs` (§10.1). */
  readonly merged?: { readonly name: string; readonly inputs: readonly string[] };
  /**
   * `a [as x] inner join b [as y]`: one output series, `x_join_y`, aggregating the joined rows
   * (§10.2); every column name of the plan is then prefixed, `x.value`.
   */
  readonly joined?: { readonly name: string; readonly sides: readonly JoinedSide[] };
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
  /** Arithmetic between aggregates: how a row's output cells come from the aggregates' cells. */
  readonly projection?: RowProjection;
  /** Output columns after `time`. */
  readonly columns: readonly string[];
  readonly restrictions?: SeriesRestrictions;
}

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
