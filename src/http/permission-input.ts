import { BadRequestError } from '../errors.js';
import type { Direction, Permission, RestrictedValue } from '../meta/permissions.js';
import { parseWhereClause, whereClauseQuery } from '../query/permission-where-clause.js';
import { compileSeriesRegex } from '../regex.js';

/*
 * A permission list as an account request gives it, checked entry by entry. Apart from meta/permissions.ts
 * because a where clause is checked with the query parser, which the write path's threads,
 * deciding only which entry applies, need not load.
 */

/**
 * The query texts of the whereClauses an account body holds, whatever else is wrong with it:
 * prepared off the event loop (statement-preparer.ts) before the body is checked.
 */
export function whereClauseQueries(body: Record<string, unknown>): string[] {
  const list = body.readPermissions;
  if (!Array.isArray(list)) return [];
  const clauses = list.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).whereClause : undefined));
  return clauses.filter((clause): clause is string => typeof clause === 'string').map(whereClauseQuery);
}

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
