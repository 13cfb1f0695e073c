import { byteOrder } from '../util/byte-order.js';
import type { Column } from '../storage/columns.js';
import { combineScalars } from '../engine/arithmetic.js';
import { scalarAt } from '../engine/values.js';
import type { ComparisonOperator, Condition, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';
import { compileSeriesRegex } from './regex.js';

/** A stored value as the where clause sees it: ints are bigints so they compare exactly. */
export type Scalar = number | bigint | string | boolean | null;

/** The row being tested: its columns by name, plus the time and sequence_number pseudo-columns. */
export interface RowView {
  column(name: string): Column | undefined;
  readonly time: Float64Array;
  readonly seq: Float64Array;
}

export type RowPredicate = (row: RowView, index: number) => boolean;

/** Column names a condition reads (time and sequence_number are not stored columns). */
export function conditionColumns(condition: Condition, into: Set<string> = new Set()): Set<string> {
  switch (condition.kind) {
    case 'and':
    case 'or':
      conditionColumns(condition.left, into);
      return conditionColumns(condition.right, into);
    case 'paren':
      return conditionColumns(condition.condition, into);
    case 'comparison':
      valueColumns(condition.left, into);
      return valueColumns(condition.right, into);
    case 'in':
      valueColumns(condition.value, into);
      for (const v of condition.list) valueColumns(v, into);
      return into;
    case 'regex':
    case 'value':
      return valueColumns(condition.value, into);
  }
}

export function valueColumns(value: Value, into: Set<string>): Set<string> {
  switch (value.kind) {
    case 'identifier':
      if (value.name !== 'time' && value.name !== 'sequence_number') into.add(value.name);
      return into;
    case 'binary':
      valueColumns(value.left, into);
      return valueColumns(value.right, into);
    case 'paren':
      return valueColumns(value.value, into);
    case 'call':
      for (const arg of value.args) valueColumns(arg, into);
      return into;
    default:
      return into;
  }
}

/**
 * Rejects what 0.8 could not evaluate (Project rules of §7.1), so that errors surface as 400s
 * before any row is read rather than inside a shard thread.
 */
export function checkCondition(condition: Condition): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      checkCondition(condition.left);
      return checkCondition(condition.right);
    case 'paren':
      return checkCondition(condition.condition);
    case 'value':
      throw new QuerySemanticError(`Invalid where expression: ${condition.text}`);
    case 'comparison':
      checkValue(condition.left);
      return checkValue(condition.right);
    case 'in':
      checkValue(condition.value);
      return condition.list.forEach(checkValue);
    case 'regex':
      compileSeriesRegex(condition.regex.pattern, condition.regex.caseInsensitive);
      return checkValue(condition.value);
  }
}

function checkValue(value: Value): void {
  if (value.kind === 'call') throw new QuerySemanticError(`Cannot process function call ${value.name} in expression`);
  if (value.kind === 'binary') {
    checkValue(value.left);
    checkValue(value.right);
  }
  if (value.kind === 'paren') checkValue(value.value);
}

/** Compile a checked condition into a per-row test (runs in the shard thread). */
export function compileCondition(condition: Condition): RowPredicate {
  switch (condition.kind) {
    case 'and': {
      const left = compileCondition(condition.left);
      const right = compileCondition(condition.right);
      return (row, i) => left(row, i) && right(row, i);
    }
    case 'or': {
      const left = compileCondition(condition.left);
      const right = compileCondition(condition.right);
      return (row, i) => left(row, i) || right(row, i);
    }
    case 'paren':
      return compileCondition(condition.condition);
    case 'comparison': {
      const left = compileValue(condition.left);
      const right = compileValue(condition.right);
      const op = condition.op;
      return (row, i) => compare(left(row, i), op, right(row, i));
    }
    case 'in': {
      const value = compileValue(condition.value);
      const list = condition.list.map(compileValue);
      return (row, i) => {
        const v = value(row, i);
        return list.some((item) => compare(v, '=', item(row, i)));
      };
    }
    case 'regex': {
      const value = compileValue(condition.value);
      const regex = compileSeriesRegex(condition.regex.pattern, condition.regex.caseInsensitive);
      const negated = condition.negated;
      return (row, i) => {
        const v = value(row, i);
        return typeof v === 'string' && regex.test(v) !== negated;
      };
    }
    case 'value':
      return () => false;
  }
}

type Operand = (row: RowView, index: number) => Scalar;

/** A value of the row (a column, a literal, arithmetic over them), as the where clause reads it. */
export function compileValue(value: Value): Operand {
  switch (value.kind) {
    case 'string':
      return () => value.value;
    case 'int':
      return () => value.value;
    case 'float':
      return () => value.value;
    case 'duration':
      return () => Number(value.nanoseconds / 1000n);
    case 'bool':
      return () => value.value;
    case 'identifier': {
      const name = value.name;
      if (name === 'time') return (row, i) => row.time[i]!;
      if (name === 'sequence_number') return (row, i) => row.seq[i]!;
      return (row, i) => readScalar(row.column(name), i);
    }
    case 'paren':
      return compileValue(value.value);
    case 'binary': {
      const left = compileValue(value.left);
      const right = compileValue(value.right);
      const op = value.op;
      return (row, i) => combineScalars(left(row, i), op, right(row, i));
    }
    case 'wildcard':
    case 'call':
      return () => null;
  }
}

export function readScalar(column: Column | undefined, i: number): Scalar {
  return column ? scalarAt(column, i) : null;
}

/** §7.2: numbers compare numerically (ints exactly), strings byte-wise, bools by = and <> only. */
export function compare(a: Scalar, op: ComparisonOperator, b: Scalar): boolean {
  let order: number;
  if (isNumeric(a) && isNumeric(b)) {
    order = typeof a === 'bigint' && typeof b === 'bigint' ? (a < b ? -1 : a > b ? 1 : 0) : Math.sign(Number(a) - Number(b));
  } else if (typeof a === 'string' && typeof b === 'string') {
    order = byteOrder(a, b);
  } else if (typeof a === 'boolean' && typeof b === 'boolean') {
    if (op === '=') return a === b;
    if (op === '<>') return a !== b;
    return false;
  } else {
    return false;
  }
  if (Number.isNaN(order)) return false;
  switch (op) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

function isNumeric(v: Scalar): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}
