import { BadRequestError } from '../errors.js';
import type { Condition } from './ast.js';
import { parseQuery } from './parser.js';
import { checkCondition, visitConditionNames } from './row-filter.js';

/**
 * A whereClause as a condition: the leading `where` is optional, the grammar is the query
 * language's, and time conditions are refused — the query's own time range stays the only one.
 */
export function parseWhereClause(text: string): Condition {
  let where: Condition | undefined;
  try {
    const statement = parseQuery(whereClauseQuery(text));
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

/** The query text a whereClause is parsed as (statement-preparer.ts prepares it). */
export function whereClauseQuery(text: string): string {
  return `select * from "permission" where ${text.trim().replace(/^where\b/i, '')}`;
}

/** The parser's first line (a syntax error's report goes on with the query and carets). */
function invalidWhereClause(err: unknown): BadRequestError {
  return new BadRequestError(`Invalid whereClause: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}

function referencesTime(condition: Condition): boolean {
  let found = false;
  visitConditionNames(condition, (name) => (found ||= name === 'time'));
  return found;
}
