import { BadRequestError } from '../errors.js';
import { parseWhereClause, whereClauseQuery } from './permission-where-clause.js';
import { permissionListOf, type Permission, type PermissionList } from '../meta/permissions.js';
import type { Condition, RegexLiteral } from './ast.js';
import { NO_SERIES_MATCHED } from './errors.js';
import type { AggregatePlan, ListSeriesPlan, MergePlan, QueryPlan, SelectPlan, SeriesRestrictions, SeriesSource } from './plan.js';

/*
 * The one place reads are limited by permissions (security.md §5–§6). Every planned query of
 * a restricted database user passes through `restrictReads` before it runs: the series it
 * names or matches are narrowed to those the user may read, and each series the user may
 * read only in part gets its whereClause as a restriction, which the shard owning it applies
 * to the series' rows before any where clause, aggregate, merge or join sees them. So every
 * form of query answers as if the database held only the permitted points, and a series the
 * user may not read answers exactly as a series that does not exist.
 */

/**
 * What the filter needs to know about the database: its series, optionally matching a regex,
 * and only those the permissions `readable` reach (tested where the series are, not here).
 */
export interface SeriesLister {
  listSeries(db: string, regex: RegexLiteral | undefined, readable: readonly Permission[]): Promise<string[]>;
}

export interface ReadAccess {
  readonly permissions: readonly Permission[];
}

/**
 * `prepare` is given each whereClause's query text not parsed yet, before it is parsed here
 * (ingest/statement-preparer.ts: a long one is parsed off the event loop).
 */
export async function restrictReads(
  plan: QueryPlan,
  access: ReadAccess,
  lister: SeriesLister,
  db: string,
  prepare: (text: string) => Promise<void> = async () => undefined,
): Promise<QueryPlan> {
  for (const { whereClause } of access.permissions) if (whereClause !== undefined && !parsed.has(whereClause)) await prepare(whereClauseQuery(whereClause));
  const permissions = permissionListOf(access.permissions);
  switch (plan.kind) {
    case 'empty':
      return plan;
    case 'list-series':
      return restrictListing(plan, permissions, lister, db);
    case 'select':
    case 'aggregate':
      return restrictSource(plan, permissions, lister, db);
    case 'merge':
      return restrictMerge(plan, permissions);
    case 'delete':
    case 'create-continuous-query':
    case 'list-continuous-queries':
    case 'drop-continuous-query':
      // Database admins only (authorizeStatement), and admins are never restricted.
      return plan;
  }
}

async function restrictListing(plan: ListSeriesPlan, permissions: PermissionList, lister: SeriesLister, db: string): Promise<ListSeriesPlan> {
  return { ...plan, names: await lister.listSeries(db, plan.regex, permissions.entries) };
}

async function restrictSource<P extends SelectPlan | AggregatePlan>(plan: P, permissions: PermissionList, lister: SeriesLister, db: string): Promise<P> {
  const names = await readableNames(plan.source, permissions, lister, db);
  const restrictions: Record<string, Condition> = {};
  // Which entry reaches each series matters only when an entry restricts rows; asking it of
  // every name tests the entries' regexes on this thread, once per series.
  const restricting = permissions.entries.some((permission) => permission.whereClause !== undefined);
  for (const name of restricting ? names : []) {
    const condition = restrictionOf(permissions.permissionFor(name)!);
    if (condition) Object.defineProperty(restrictions, name, { value: condition, enumerable: true });
  }
  const source: SeriesSource = { kind: 'names', names };
  return { ...plan, source, restrictions: restrictions as SeriesRestrictions };
}

/**
 * A named series the user may not read is a 400 whether or not it exists (0.8's text); a
 * regex skips such series silently, and one left with none fails as one that matches nothing.
 */
async function readableNames(source: SeriesSource, permissions: PermissionList, lister: SeriesLister, db: string): Promise<string[]> {
  if (source.kind === 'names') {
    const unreadable = source.names.find((name) => permissions.permissionFor(name) === undefined);
    if (unreadable !== undefined) throw new BadRequestError(`User doesn't have read access to ${unreadable}`);
    return source.names;
  }
  const readable = await lister.listSeries(db, source.regex, permissions.entries);
  if (readable.length === 0) throw new BadRequestError(NO_SERIES_MATCHED);
  return readable;
}

function restrictMerge(plan: MergePlan, permissions: PermissionList): MergePlan {
  const inputs = plan.inputs.map((input) => {
    const permission = permissions.permissionFor(input.series);
    if (!permission) throw new BadRequestError(`User doesn't have read access to ${input.series}`);
    const restriction = restrictionOf(permission);
    return restriction ? { ...input, restriction } : input;
  });
  return { ...plan, inputs };
}

/** Parsed whereClauses, by text: parsing is per query otherwise, and the texts are few. */
const parsed = new Map<string, Condition>();
const PARSED_LIMIT = 10_000;

function restrictionOf(permission: Permission): Condition | undefined {
  const text = permission.whereClause;
  if (text === undefined) return undefined;
  let condition = parsed.get(text);
  if (!condition) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    condition = parseWhereClause(text);
    parsed.set(text, condition);
  }
  return condition;
}
