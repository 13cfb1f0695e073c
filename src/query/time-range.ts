import type { ComparisonCondition, ComparisonOperator, Condition, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';
import { isTimeExpression, timeExpressionNanoseconds } from './time-values.js';

/*
 * Splits a where clause into the time range to scan and the condition left to evaluate
 * per point (query-language.md §6). The range is [startUs, endUs): start inclusive,
 * end exclusive (Project rule §6.4).
 */

/**
 * 0.8's default start, the smallest int64 nanosecond time (1677-09-21), in µs. Not exactly
 * representable as a double; it only has to sort before every stored time.
 */
export const MIN_TIME_US = -9223372036854775;

export interface TimeRange {
  readonly startUs: number;
  readonly endUs: number;
  /** The where clause without its time conditions; undefined when nothing is left. */
  readonly residual: Condition | undefined;
  /** `where time = X and sequence_number = N`: one point by identity (§6.5). */
  readonly pointQuery?: { readonly timeUs: number; readonly seq: number };
}

export function extractTimeRange(where: Condition | undefined, nowUs: number): TimeRange {
  const point = where === undefined ? undefined : pointQuery(where, nowUs);
  if (point !== undefined) return { startUs: point.timeUs, endUs: point.timeUs + 1, residual: undefined, pointQuery: point };
  const bounds: Bounds = {};
  const residual = where === undefined ? undefined : extract(where, bounds, nowUs);
  return { startUs: bounds.start ?? MIN_TIME_US, endUs: bounds.end ?? nowUs, residual };
}

/**
 * 0.8 took the union of the time conditions, not the intersection (§6.3), comparing them in
 * whole seconds: of two bounds in the same second, the one written later wins.
 */
interface Bounds {
  /** Earliest start seen, and the second it was written in. */
  start?: number;
  startSecond?: number;
  /** Latest end seen, and the second of the time it was written with. */
  end?: number;
  endSecond?: number;
}

/** Records the time conditions of `condition` in `bounds` and returns what remains. */
function extract(condition: Condition, bounds: Bounds, nowUs: number): Condition | undefined {
  switch (condition.kind) {
    case 'and': {
      const left = extract(condition.left, bounds, nowUs);
      const right = extract(condition.right, bounds, nowUs);
      if (left === undefined) return right;
      if (right === undefined) return left;
      return left === condition.left && right === condition.right ? condition : { kind: 'and', left, right };
    }
    case 'paren': {
      const inner = extract(condition.condition, bounds, nowUs);
      if (inner === undefined) return undefined;
      return inner === condition.condition ? condition : { kind: 'paren', condition: inner };
    }
    case 'or':
      if (mentionsTime(condition)) {
        throw new QuerySemanticError('Invalid where clause, time must appear twice to specify start and end time');
      }
      return condition;
    case 'in':
      if (isTime(condition.value)) throw new QuerySemanticError("Cannot use time with 'in'");
      return condition;
    case 'comparison': {
      const comparison = asTimeComparison(condition);
      if (comparison === undefined) return condition;
      applyTimeComparison(comparison, bounds, nowUs);
      return undefined;
    }
    case 'regex':
    case 'value':
      return condition;
  }
}

/** `time <op> X`, with `X <op> time` turned around. */
interface TimeComparison {
  readonly op: ComparisonOperator;
  readonly writtenOp: ComparisonOperator;
  readonly time: Value;
}

const MIRRORED: Readonly<Record<ComparisonOperator, ComparisonOperator>> = {
  '=': '=', '<>': '<>', '<': '>', '>': '<', '<=': '>=', '>=': '<=',
};

/** A comparison is a time condition when one side is `time` and the other a time expression. */
function asTimeComparison(condition: ComparisonCondition): TimeComparison | undefined {
  if (isTime(condition.left) && isTimeExpression(condition.right)) {
    return { op: condition.op, writtenOp: condition.op, time: condition.right };
  }
  if (isTime(condition.right) && isTimeExpression(condition.left)) {
    return { op: MIRRORED[condition.op], writtenOp: condition.op, time: condition.left };
  }
  return undefined;
}

function applyTimeComparison({ op, writtenOp, time }: TimeComparison, bounds: Bounds, nowUs: number): void {
  if (op !== '>' && op !== '<' && op !== '=') throw new QuerySemanticError(`Cannot use time with '${writtenOp}'`);
  const us = toMicroseconds(timeExpressionNanoseconds(time, nowUs));
  // Conditions are met in the order they are written (extract walks left before right).
  const second = Math.floor(us / 1_000_000);
  if ((op === '>' || op === '=') && (bounds.startSecond === undefined || second <= bounds.startSecond)) {
    bounds.start = us;
    bounds.startSecond = second;
  }
  // `time = X` is the range [X, X] of points exactly at X (Project rule §6.5).
  if ((op === '<' || op === '=') && (bounds.endSecond === undefined || second >= bounds.endSecond)) {
    bounds.end = op === '=' ? us + 1 : us;
    bounds.endSecond = second;
  }
}

function mentionsTime(condition: Condition): boolean {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return mentionsTime(condition.left) || mentionsTime(condition.right);
    case 'paren':
      return mentionsTime(condition.condition);
    case 'in':
      return isTime(condition.value);
    case 'comparison':
      return asTimeComparison(condition) !== undefined;
    case 'regex':
    case 'value':
      return false;
  }
}

function isTime(value: Value): boolean {
  return value.kind === 'identifier' && value.name === 'time';
}

/** Exactly `time = X and sequence_number = N`, in this order (§6.5). */
function pointQuery(where: Condition, nowUs: number): { timeUs: number; seq: number } | undefined {
  if (where.kind !== 'and' || where.left.kind !== 'comparison' || where.right.kind !== 'comparison') return undefined;
  const time = asTimeComparison(where.left);
  const sequence = where.right;
  if (time?.op !== '=' || sequence.op !== '=') return undefined;
  const number = isSequenceNumber(sequence.left) ? sequence.right : isSequenceNumber(sequence.right) ? sequence.left : undefined;
  if (number === undefined) return undefined;
  if (number.kind !== 'int') throw new QuerySemanticError('The column sequence_number can only be queried as an integer.');
  return { timeUs: toMicroseconds(timeExpressionNanoseconds(time.time, nowUs)), seq: Number(number.value) };
}

function isSequenceNumber(value: Value): boolean {
  return value.kind === 'identifier' && value.name === 'sequence_number';
}

/** Truncates toward zero, as 0.8's integer division did. */
function toMicroseconds(nanoseconds: bigint): number {
  return Number(nanoseconds / 1000n);
}
