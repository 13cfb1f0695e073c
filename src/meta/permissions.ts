import { BadRequestError } from '../errors.js';
import type { Condition, Value } from '../query/ast.js';
import { parseQuery } from '../query/parser.js';
import { compileSeriesRegex, type CompiledRegex } from '../query/regex.js';
import { checkCondition } from '../query/row-filter.js';

/*
 * The seed's permission model (security.md §5): ordered lists of entries that grant access
 * to series by exact name or by regex, optionally narrowed by a where clause (reads) or by
 * the values a writer must put in some columns (writes). This is the one place that decides
 * which entry applies to a series.
 */

/** A value a restricted writer must give a column: ints and floats compare numerically. */
export type RestrictedValue = string | number | boolean;

/** One entry as stored and listed; exactly one of `matcher` / `name`. */
export interface Permission {
  readonly matcher?: string;
  readonly name?: string;
  readonly whereClause?: string;
  readonly valueRestrictions?: Readonly<Record<string, RestrictedValue>>;
}

export type Direction = 'read' | 'write';

/** Everything a new user may do (security.md §2). */
export const FULL_ACCESS: readonly Permission[] = [{ matcher: '.*' }];

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

/**
 * A permission list ready to answer "which entry applies to this series" (seed rule: an
 * exact `name` first, then the first `matcher` in list order; none means no access).
 */
export class PermissionList {
  private readonly byName = new Map<string, Permission>();
  private readonly matchers: { readonly regex: CompiledRegex; readonly permission: Permission }[] = [];
  /**
   * Answers already worked out, by series name: a writer sends the same series request after
   * request, and every matcher need not run on every name of every request.
   */
  private readonly decided = new Map<string, Permission | null>();

  constructor(readonly entries: readonly Permission[]) {
    for (const permission of entries) {
      if (permission.name !== undefined) {
        if (!this.byName.has(permission.name)) this.byName.set(permission.name, permission);
      } else if (permission.matcher !== undefined) {
        this.matchers.push({ regex: compileSeriesRegex(permission.matcher, false), permission });
      }
    }
  }

  permissionFor(series: string): Permission | undefined {
    const known = this.decided.get(series);
    if (known !== undefined) return known ?? undefined;
    const permission = this.byName.get(series) ?? this.matchers.find((m) => m.regex.test(series))?.permission;
    if (this.decided.size >= DECIDED_LIMIT) this.decided.clear();
    this.decided.set(series, permission ?? null);
    return permission;
  }
}

/** Series names remembered per list: bounded, since the names are the clients'. */
const DECIDED_LIMIT = 10_000;

const compiled = new WeakMap<readonly Permission[], PermissionList>();

/** Stored lists are never mutated, so each is compiled once, when first used. */
export function permissionListOf(entries: readonly Permission[]): PermissionList {
  let list = compiled.get(entries);
  if (!list) {
    list = new PermissionList(entries);
    compiled.set(entries, list);
  }
  return list;
}

/** Whether a written value satisfies a restriction: numbers numerically, others exactly. */
export function satisfiesRestriction(required: RestrictedValue, actual: number | bigint | string | boolean | null): boolean {
  if (typeof required === 'number') {
    if (typeof actual === 'number') return actual === required;
    if (typeof actual === 'bigint') return Number.isInteger(required) && actual === BigInt(required);
    return false;
  }
  return actual === required;
}

/** 0.8's `readFrom` / `writeTo` view of a list: the first entry's matcher, else its name, else "". */
export function legacyPattern(entries: readonly Permission[]): string {
  const first = entries[0];
  return first?.matcher ?? first?.name ?? '';
}
