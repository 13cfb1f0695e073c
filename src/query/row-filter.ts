import { byteOrder } from '../util/byte-order.js';
import type { Scalar } from '../engine/values.js';
import type { ComparisonOperator, Condition, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';
import { compileSeriesRegex } from '../regex.js';

/** Calls `visit` with the name of every identifier a condition reads, `time` included. */
export function visitConditionNames(condition: Condition, visit: (name: string) => void): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      visitConditionNames(condition.left, visit);
      return visitConditionNames(condition.right, visit);
    case 'paren':
      return visitConditionNames(condition.condition, visit);
    case 'comparison':
      visitValueNames(condition.left, visit);
      return visitValueNames(condition.right, visit);
    case 'in':
      visitValueNames(condition.value, visit);
      for (const v of condition.list) visitValueNames(v, visit);
      return;
    case 'regex':
    case 'value':
      return visitValueNames(condition.value, visit);
  }
}

function visitValueNames(value: Value, visit: (name: string) => void): void {
  switch (value.kind) {
    case 'identifier':
      return visit(value.name);
    case 'binary':
      visitValueNames(value.left, visit);
      return visitValueNames(value.right, visit);
    case 'paren':
      return visitValueNames(value.value, visit);
    case 'call':
      for (const arg of value.args) visitValueNames(arg, visit);
      return;
    default:
      return;
  }
}

/** Column names a condition reads (time and sequence_number are not stored columns). */
export function conditionColumns(condition: Condition, into: Set<string> = new Set()): Set<string> {
  visitConditionNames(condition, (name) => addStoredColumn(into, name));
  return into;
}

/** Column names a value reads, added to `into`. */
export function valueColumns(value: Value, into: Set<string>): Set<string> {
  visitValueNames(value, (name) => addStoredColumn(into, name));
  return into;
}

function addStoredColumn(into: Set<string>, name: string): void {
  if (name !== 'time' && name !== 'sequence_number') into.add(name);
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

/** §7.2 for two values: numbers compare numerically (ints exactly), strings byte-wise, bools by = and <> only. */
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
