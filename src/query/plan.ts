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
  readonly startUs: number;
  readonly endUs: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** What is left of the where clause once the time range is taken out. */
  readonly where: Condition | undefined;
  readonly whereColumns: string[];
}

export interface ListSeriesPlan {
  readonly kind: 'list-series';
  /** Compiled by each shard for its own series, like a select's regex source. */
  readonly regex: RegexLiteral | undefined;
}

/** A statement that is valid but returns no series (e.g. `select time from x`). */
export interface EmptyPlan {
  readonly kind: 'empty';
}

export type QueryPlan = SelectPlan | AggregatePlan | ListSeriesPlan | EmptyPlan;

export interface OutputOptions {
  readonly chunked: boolean;
  readonly pretty: boolean;
  readonly precision: TimePrecision;
}
