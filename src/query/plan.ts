import type { OutputColumn } from '../engine/arithmetic.js';
import type { TimePrecision } from '../time-precision.js';
import type { Condition, RegexLiteral } from './ast.js';
import type { AggregatePlan } from './plan-aggregate.js';

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

export type QueryPlan = SelectPlan | MergePlan | AggregatePlan | ListSeriesPlan | EmptyPlan | DeletePlan | ContinuousQueryPlan;

export interface OutputOptions {
  readonly chunked: boolean;
  readonly pretty: boolean;
  readonly precision: TimePrecision;
  /** `arrow`: an Arrow IPC stream instead of JSON (arrow-answer.ts). */
  readonly format: 'json' | 'arrow';
}
