import { BadRequestError } from '../errors.js';
import type { Condition, Value } from '../query/ast.js';
import { parseQuery } from '../query/parser.js';
import { compileSeriesRegex } from '../query/regex.js';
import { checkCondition } from '../query/row-filter.js';
import type { Direction, Permission, RestrictedValue } from './permissions.js';

/*
 * A permission list as a request gives it, checked entry by entry. Apart from permissions.ts
 * because a where clause is checked with the query parser, which the write path's threads,
 * deciding only which entry applies, need not load.
 */

/** A request's permission list, checked entry by entry: 400 with the Project-rule messages. */
export function validatePermissions(raw: unknown, direction: Direction): Permission[] {
  const key = direction === 'read' ? 'readPermissions' : 'writePermissions';
  if (!Array.isArray(raw)) throw new BadRequestError(`${key} must be an array`);
  return raw.map((entry) => validateEntry(entry, direction));
}

function validateEntry(raw: unknown, direction: Direction): Permission {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError('A permission must be an object');
  const entry = raw as Record<string, unknown>;
  const extra = direction === 'read' ? 'whereClause' : 'valueRestrictions';
  const unknown = Object.keys(entry).find((k) => k !== 'matcher' && k !== 'name' && k !== extra);
  if (unknown !== undefined) throw new BadRequestError(`Unknown permission key ${unknown}`);
  const { matcher, name } = entry;
  if ((matcher === undefined) === (name === undefined)) throw new BadRequestError('A permission must have either a name or a matcher');
  if (matcher !== undefined && typeof matcher !== 'string') throw new BadRequestError('matcher must be a string');
  if (name !== undefined && typeof name !== 'string') throw new BadRequestError('name must be a string');
  if (typeof matcher === 'string') compileSeriesRegex(matcher, false);
  const permission: { -readonly [K in keyof Permission]: Permission[K] } = typeof matcher === 'string' ? { matcher } : { name: name as string };
  if (entry.whereClause !== undefined) {
    if (typeof entry.whereClause !== 'string') throw new BadRequestError('Invalid whereClause: must be a string');
    parseWhereClause(entry.whereClause);
    permission.whereClause = entry.whereClause;
  }
  if (entry.valueRestrictions !== undefined) permission.valueRestrictions = validateRestrictions(entry.valueRestrictions);
  return permission;
}

function validateRestrictions(raw: unknown): Record<string, RestrictedValue> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError('valueRestrictions must be an object');
  const restrictions: Record<string, RestrictedValue> = {};
  for (const [column, value] of Object.entries(raw)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new BadRequestError(`valueRestrictions.${column} must be a string, number or boolean`);
    }
    Object.defineProperty(restrictions, column, { value, enumerable: true, writable: true, configurable: true });
  }
  return restrictions;
}

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
