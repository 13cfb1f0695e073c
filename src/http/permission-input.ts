import { BadRequestError } from '../errors.js';
import type { Direction, Permission, RestrictedValue } from '../meta/permissions.js';
import { parseWhereClause } from '../query/permission-where-clause.js';
import { compileSeriesRegex } from '../regex.js';

/*
 * A permission list as an account request gives it, checked entry by entry. Apart from meta/permissions.ts
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
