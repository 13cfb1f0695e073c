import type { TimePrecision } from '../time-precision.js';
import type { Condition } from './ast.js';

/** Which series a select reads. */
export type SeriesSource = { readonly kind: 'names'; readonly names: string[] } | { readonly kind: 'regex'; readonly regex: RegExp };

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
  readonly regex: RegExp | undefined;
}

/** A statement that is valid but returns no series (e.g. `select time from x`). */
export interface EmptyPlan {
  readonly kind: 'empty';
}

export type QueryPlan = SelectPlan | ListSeriesPlan | EmptyPlan;

export interface OutputOptions {
  readonly chunked: boolean;
  readonly pretty: boolean;
  readonly precision: TimePrecision;
}
