import type { OutputColumn } from '../engine/arithmetic.js';
import type { RowProjection } from '../engine/row-projection.js';
import type { Scalar } from '../engine/values.js';
import type { TimePrecision } from '../time-precision.js';
import type { PlannedAggregate } from './aggregate-select-list.js';
import type { Condition, RegexLiteral } from './ast.js';

/** Which series a select reads. A regex stays source text: each shard compiles it to filter its own series. */
export type SeriesSource = { readonly kind: 'names'; readonly names: string[] } | { readonly kind: 'regex'; readonly regex: RegexLiteral };

/** A raw select, reduced to what the shards need to answer it. */
export interface SelectPlan {
  readonly kind: 'select';
  readonly source: SeriesSource;
  /** `*`, or the referenced columns in output order. */
  readonly fields: '*' | string[];
  /** Arithmetic selects (§8): the computed output columns; `fields` then lists what they read. */
  readonly outputs?: OutputColumn[];
  readonly startUs: number;
  readonly endUs: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** What is left of the where clause once the time range is taken out. */
  readonly where: Condition | undefined;
  readonly whereColumns: string[];
  /** Per series, the rows a restricted reader may see (permissions-filter.ts). */
  readonly restrictions?: SeriesRestrictions;
}

/**
 * A restricted reader's whereClause per series: the shard reads such a series as if it held
 * only the rows that pass, before any where clause, aggregate or merge sees it.
 */
export type SeriesRestrictions = Readonly<Record<string, Condition>>;

export interface ListSeriesPlan {
  readonly kind: 'list-series';
  /** Compiled by each shard for its own series, like a select's regex source. */
  readonly regex: RegexLiteral | undefined;
  /** Set for a restricted reader: the series it may see, already listed and sorted. */
  readonly names?: readonly string[];
}

/** A statement that is valid but returns no series (e.g. `select time from x`). */
export interface EmptyPlan {
  readonly kind: 'empty';
}

/** One series of a merge or join, as the shard owning it reads it. */
export interface MergeInputPlan {
  readonly series: string;
  /** Its `_orig_series` value (merge) or column prefix (join: the alias, else the name). */
  readonly label: string;
  /** Columns its blocks carry, unprefixed; `*` = all. */
  readonly fields: '*' | string[];
  /** A merge's where clause runs on each series before merging (§10.1); a join's does not. */
  readonly where: Condition | undefined;
  readonly whereColumns: string[];
  /** A restricted reader's whereClause for this series (see SeriesRestrictions). */
  readonly restriction?: Condition;
}

/** `a merge b` or `a inner join b` (§10): per-series block scans merged by time in one shard thread. */
export interface MergePlan {
  readonly kind: 'merge';
  readonly mode: 'merge' | 'join';
  /** `a_merge_b` or `x_join_y`. */
  readonly name: string;
  readonly inputs: MergeInputPlan[];
  /** Raw output columns (join: prefixed); `*` = every column of every series. */
  readonly fields: '*' | string[];
  readonly outputs?: OutputColumn[];
  /** A join's where clause, over the joined row with prefixed names. */
  readonly where: Condition | undefined;
  readonly startUs: number;
  readonly endUs: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
}

/** `delete from` (§5.3) or, with `drop`, `drop series` (§5.4): answers `[]`. */
export interface DeletePlan {
  readonly kind: 'delete';
  readonly source: SeriesSource;
  readonly startUs: number;
  readonly endUs: number;
  readonly drop: boolean;
}

/** `select … into` (stored as a continuous query), `list continuous queries`, `drop continuous query`. */
export type ContinuousQueryPlan =
  | { readonly kind: 'create-continuous-query'; readonly query: string }
  | { readonly kind: 'list-continuous-queries' }
  | { readonly kind: 'drop-continuous-query'; readonly id: number };

/** One side of a joined aggregate: its series, column prefix and the columns its blocks carry. */
export interface JoinedSide {
  readonly series: string;
  readonly label: string;
  readonly fields: string[];
}

/** An aggregate select (query-language.md §5.1.1, §9), planned by `plan-aggregate.ts`. */
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

export type QueryPlan = SelectPlan | MergePlan | AggregatePlan | ListSeriesPlan | EmptyPlan | DeletePlan | ContinuousQueryPlan;

export interface OutputOptions {
  readonly chunked: boolean;
  readonly pretty: boolean;
  readonly precision: TimePrecision;
  /** `arrow`: an Arrow IPC stream instead of JSON (arrow-answer.ts). */
  readonly format: 'json' | 'arrow';
}
