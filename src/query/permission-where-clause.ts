import { BadRequestError } from '../errors.js';
import type { Condition, Value } from './ast.js';
import { parseQuery } from './parser.js';
import { checkCondition } from './row-filter.js';

/**
 * A whereClause as a condition: the leading `where` is optional, the grammar is the query
 * language's, and time conditions are refused — the query's own time range stays the only one.
 */
export function parseWhereClause(text: string): Condition {
  const body = text.trim().replace(/^where\b/i, '');
  let where: Condition | undefined;
  try {
    const statement = parseQuery(`select * from "permission" where ${body}`);
    where = statement.kind === 'select' ? statement.where : undefined;
  } catch (err) {
    throw invalidWhereClause(err);
  }
  if (where === undefined) throw new BadRequestError('Invalid whereClause: empty condition');
  if (referencesTime(where)) throw new BadRequestError('Invalid whereClause: time conditions are not allowed');
  try {
    checkCondition(where);
  } catch (err) {
    throw invalidWhereClause(err);
  }
  return where;
}

/** The parser's first line (a syntax error's report goes on with the query and carets). */
function invalidWhereClause(err: unknown): BadRequestError {
  return new BadRequestError(`Invalid whereClause: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}

function referencesTime(condition: Condition): boolean {
  const names = hasTimeIdentifier;
  switch (condition.kind) {
    case 'and':
    case 'or':
      return referencesTime(condition.left) || referencesTime(condition.right);
    case 'paren':
      return referencesTime(condition.condition);
    case 'comparison':
      return names(condition.left) || names(condition.right);
    case 'in':
      return names(condition.value) || condition.list.some(names);
    case 'regex':
    case 'value':
      return names(condition.value);
  }
}

function hasTimeIdentifier(value: Value): boolean {
  switch (value.kind) {
    case 'identifier':
      return value.name === 'time';
    case 'binary':
      return hasTimeIdentifier(value.left) || hasTimeIdentifier(value.right);
    case 'paren':
      return hasTimeIdentifier(value.value);
    case 'call':
      return value.args.some(hasTimeIdentifier);
    default:
      return false;
  }
}
