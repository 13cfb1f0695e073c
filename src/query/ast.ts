/*
 * Typed syntax tree of one query statement (spec: query-language.md §1, §3).
 * Names are already resolved (double quotes and escapes removed); keywords are gone.
 */

export type Statement =
  | SelectStatement
  | ExplainStatement
  | DeleteStatement
  | DropSeriesStatement
  | DropContinuousQueryStatement
  | ListSeriesStatement
  | ListContinuousQueriesStatement;

export interface SelectStatement {
  readonly kind: 'select';
  readonly values: readonly Value[];
  readonly from: FromClause;
  readonly where?: Condition;
  readonly groupBy?: GroupByClause;
  readonly order: 'asc' | 'desc';
  /** 0 means no limit (0.8 treats `limit 0` like no limit clause). */
  readonly limit: number;
  readonly into?: IntoClause;
}

export interface ExplainStatement {
  readonly kind: 'explain';
  readonly select: SelectStatement;
}

/** Merge and join sources parse here but are rejected when the delete is planned. */
export interface DeleteStatement {
  readonly kind: 'delete';
  readonly from: FromClause;
  readonly where?: Condition;
}

export interface DropSeriesStatement {
  readonly kind: 'dropSeries';
  readonly name: string;
}

export interface DropContinuousQueryStatement {
  readonly kind: 'dropContinuousQuery';
  readonly id: number;
}

export interface ListSeriesStatement {
  readonly kind: 'listSeries';
  readonly regex?: RegexLiteral;
}

export interface ListContinuousQueriesStatement {
  readonly kind: 'listContinuousQueries';
}

export type FromClause =
  | { readonly kind: 'series'; readonly names: readonly string[] }
  | { readonly kind: 'regex'; readonly pattern: string; readonly caseInsensitive: boolean }
  | { readonly kind: 'merge'; readonly left: string; readonly right: string }
  | { readonly kind: 'join'; readonly left: JoinSide; readonly right: JoinSide };

export interface JoinSide {
  readonly name: string;
  readonly alias?: string;
}

/** Body of a `/.../` literal with `\/` already turned into `/`; RE2 syntax. */
export interface RegexLiteral {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
}

export interface GroupByClause {
  readonly values: readonly Value[];
  /** Argument of the trailing `fill(...)` call, already checked to be named `fill`. */
  readonly fill?: Value;
}

export interface IntoClause {
  /** Target name as written (placeholders such as `:series_name` and `[col]` kept). */
  readonly target: string;
  /** `backfill(false)` turns it off; the default is true. */
  readonly backfill: boolean;
}

export type DurationUnit = 'u' | 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'y';

export type ArithmeticOperator = '+' | '-' | '*' | '/';

export type Value =
  | StringLiteral
  | IntLiteral
  | FloatLiteral
  | DurationLiteral
  | BoolLiteral
  | Identifier
  | Wildcard
  | FunctionCall
  | ParenValue
  | BinaryValue;

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
}

/** Exact int64 (or wider; range checks belong to the evaluator). */
export interface IntLiteral {
  readonly kind: 'int';
  readonly value: bigint;
  /** As written, including a leading `-`. */
  readonly text: string;
}

export interface FloatLiteral {
  readonly kind: 'float';
  readonly value: number;
  readonly text: string;
}

export interface DurationLiteral {
  readonly kind: 'duration';
  /** Amount × unit, computed exactly and truncated to whole nanoseconds (§2.7). */
  readonly nanoseconds: bigint;
  readonly unit: DurationUnit;
  readonly text: string;
}

export interface BoolLiteral {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly text: string;
}

export interface Identifier {
  readonly kind: 'identifier';
  /** Resolved name: bare, dotted/dashed, or the content of a double-quoted name. */
  readonly name: string;
}

export interface Wildcard {
  readonly kind: 'wildcard';
}

export interface FunctionCall {
  readonly kind: 'call';
  /** As written; callers compare case-insensitively where 0.8 did. */
  readonly name: string;
  readonly args: readonly Value[];
  readonly alias?: string;
}

export interface ParenValue {
  readonly kind: 'paren';
  readonly value: Value;
  readonly alias?: string;
}

export interface BinaryValue {
  readonly kind: 'binary';
  readonly op: ArithmeticOperator;
  readonly left: Value;
  readonly right: Value;
}

/** `!=` is accepted and stored as `<>` (Project rule, §11.1). */
export type ComparisonOperator = '=' | '<>' | '<' | '>' | '<=' | '>=';

export type Condition =
  | { readonly kind: 'and'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'paren'; readonly condition: Condition }
  | ComparisonCondition
  | InCondition
  | RegexCondition
  | BareValueCondition;

export interface ComparisonCondition {
  readonly kind: 'comparison';
  readonly op: ComparisonOperator;
  readonly left: Value;
  readonly right: Value;
}

export interface InCondition {
  readonly kind: 'in';
  readonly value: Value;
  readonly list: readonly Value[];
}

export interface RegexCondition {
  readonly kind: 'regex';
  readonly value: Value;
  /** True for `!~`. */
  readonly negated: boolean;
  readonly regex: RegexLiteral;
}

/** `where a` or `where 1`: legal syntax, rejected when evaluated (§7.1). */
export interface BareValueCondition {
  readonly kind: 'value';
  readonly value: Value;
  /** Source text, for the `Invalid where expression: <text>` message. */
  readonly text: string;
}
