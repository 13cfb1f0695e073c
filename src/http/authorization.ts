import { ForbiddenError } from '../errors.js';
import type { Permission } from '../meta/permissions.js';
import type { Statement } from '../query/ast.js';
import type { Principal } from './principal.js';

/*
 * What each kind of account may do once authenticated (security.md §4): the one place the
 * rules about account kinds live. Series-level rules are in meta/permissions.ts.
 */

/** Cluster admins, and database users with the admin flag for this database. */
export function isDatabaseAdmin(principal: Principal, db: string): boolean {
  return principal.kind === 'cluster-admin' || (principal.db === db && principal.user.admin);
}

/** 403 with one of 0.8's "Insufficient permissions …" texts unless the caller administers `db`. */
export function requireDatabaseAdmin(principal: Principal, db: string, message: string): void {
  if (!isDatabaseAdmin(principal, db)) throw new ForbiddenError(message);
}

/**
 * The series permissions that bind this caller, or undefined when none do: cluster admins and
 * database admins read and write every series of the database (seed rule).
 */
export function seriesAccessOf(principal: Principal, direction: 'read' | 'write'): SeriesAccess | undefined {
  if (principal.kind === 'cluster-admin' || principal.user.admin) return undefined;
  return { user: principal.name, permissions: direction === 'read' ? principal.user.readPermissions : principal.user.writePermissions };
}

/** A restricted caller's name (for 0.8's messages) and its permission list in one direction. */
export interface SeriesAccess {
  readonly user: string;
  readonly permissions: readonly Permission[];
}

/** http-api.md §5.5: statements that change data or continuous queries need admin rights. */
export function authorizeStatement(principal: Principal, db: string, statement: Statement): void {
  const message = adminStatementMessage(statement, db);
  if (message !== undefined) requireDatabaseAdmin(principal, db, message);
}

function adminStatementMessage(statement: Statement, db: string): string | undefined {
  switch (statement.kind) {
    case 'select':
      return statement.into ? 'Insufficient permissions to create continuous query' : undefined;
    case 'delete':
      return `Insufficient permission to write to ${db}`;
    case 'dropSeries':
      return 'Insufficient permissions to drop series';
    case 'listContinuousQueries':
      return 'Insufficient permissions to list continuous queries';
    case 'dropContinuousQuery':
      return 'Insufficient permissions to delete continuous query';
    default:
      return undefined;
  }
}
