import { BadRequestError, ForbiddenError } from '../../errors.js';
import type { StoredUser } from '../../meta/meta-store.js';
import { hashPasswordOffLoop } from '../../meta/passwords.js';
import { legacyPattern } from '../../meta/permissions.js';
import { databaseUserChange, jsonObject, newDatabaseUser, type DatabaseUserChange } from '../user-requests.js';
import { databaseUserAccount } from '../auth.js';
import type { Principal } from '../principal.js';
import { isDatabaseAdmin, requireDatabaseAdmin } from '../authorization.js';
import type { Handler, ServerContext } from '../context.js';
import type { Exchange } from '../exchange.js';
import { whereClauseQueries } from '../permission-input.js';
import { readAccountBody } from './account-bodies.js';

/* http-api.md §9: database users and, as the seed's own resource, database admins. */

/** §9.1: 0.8's keys, then the seed's lists. */
export function userObject(name: string, user: StoredUser): Record<string, unknown> {
  return {
    name,
    isAdmin: user.admin,
    writeTo: legacyPattern(user.writePermissions),
    readFrom: legacyPattern(user.readPermissions),
    readPermissions: user.readPermissions,
    writePermissions: user.writePermissions,
  };
}

export const authenticateDatabaseUser: Handler = async (exchange, server) => {
  await server.auth.databaseUser(exchange, exchange.params.db!);
  exchange.empty(200);
};

export const listDatabaseUsers: Handler = async (exchange, server) => {
  const db = exchange.params.db!;
  await server.auth.databaseAdmin(exchange, db, `Insufficient permissions to list db users on ${db}`);
  exchange.json(200, server.meta.listDatabaseUsers(db).map(([name, user]) => userObject(name, user)));
};

export const listDatabaseAdmins: Handler = async (exchange, server) => {
  const db = exchange.params.db!;
  await server.auth.databaseAdmin(exchange, db, `Insufficient permissions to list db users on ${db}`);
  exchange.json(200, server.meta.listDatabaseUsers(db).flatMap(([name, user]) => (user.admin ? [userObject(name, user)] : [])));
};

export const getDatabaseUser: Handler = async (exchange, server) => {
  const { db, user: name } = exchange.params as { db: string; user: string };
  await server.auth.databaseAdmin(exchange, db, `Insufficient permissions to get db user on ${db}`);
  const user = server.meta.databaseUser(db, name);
  if (!user) throw new BadRequestError(`Invalid username ${name}`);
  exchange.json(200, userObject(name, user));
};

export const createDatabaseUser: Handler = (exchange, server) => createUser(exchange, server, false);
export const createDatabaseAdmin: Handler = (exchange, server) => createUser(exchange, server, true);

/** §9.3's order: JSON, rights, name, password, database, existing name. */
async function createUser(exchange: Exchange, server: ServerContext, admin: boolean): Promise<void> {
  const db = exchange.params.db!;
  const reading = readAccountBody(exchange, server);
  const principal = await server.auth.databaseUserOrAdmin(exchange, db);
  const body = jsonObject(await reading);
  requireDatabaseAdmin(principal, db, `Insufficient permissions to create db user on ${db}`);
  for (const text of whereClauseQueries(body)) await server.statements.prepare(text);
  const request = newDatabaseUser(body, admin);
  if (!server.meta.databaseExists(db)) throw new BadRequestError(`No such database ${db}`);
  if (server.meta.databaseUser(db, request.name)) throw new BadRequestError(`User ${request.name} already exists`);
  const password = await hashPasswordOffLoop(request.password);
  await server.meta.createDatabaseUser(db, request.name, {
    password,
    admin: request.admin,
    readPermissions: request.readPermissions,
    writePermissions: request.writePermissions,
  });
  exchange.empty(200);
}

export const updateDatabaseUser: Handler = (exchange, server) => updateUser(exchange, server, false);
export const updateDatabaseAdmin: Handler = (exchange, server) => updateUser(exchange, server, true);

/** §9.4: rights and every key are checked first, then everything is applied at once. */
async function updateUser(exchange: Exchange, server: ServerContext, adminsOnly: boolean): Promise<void> {
  const { db, user: name } = exchange.params as { db: string; user: string };
  const reading = readAccountBody(exchange, server);
  const principal = await server.auth.databaseUserOrAdmin(exchange, db);
  const body = jsonObject(await reading);
  for (const text of whereClauseQueries(body)) await server.statements.prepare(text);
  const change = databaseUserChange(body);
  if (adminsOnly && (change.admin !== undefined || change.readPermissions || change.writePermissions)) {
    throw new BadRequestError('Only the password of a database admin can be changed here');
  }
  requireUpdateRights(principal, db, name, change);
  const user = server.meta.databaseUser(db, name);
  if (!user) throw new BadRequestError(`Invalid username ${name}`);
  if (adminsOnly && !user.admin) throw new BadRequestError(`User ${name} isn't a database admin`);
  const password = change.password === undefined ? user.password : await hashPasswordOffLoop(change.password);
  await server.meta.replaceDatabaseUser(db, name, {
    password,
    admin: change.admin ?? user.admin,
    readPermissions: change.readPermissions ?? user.readPermissions,
    writePermissions: change.writePermissions ?? user.writePermissions,
  });
  server.auth.verifier.forget(databaseUserAccount(db, name));
  exchange.empty(200);
}

/** Admins change anything; a user only its own password (security.md §4, 0.8's texts). */
function requireUpdateRights(principal: Principal, db: string, name: string, change: DatabaseUserChange): void {
  if (isDatabaseAdmin(principal, db)) return;
  if (change.admin !== undefined) throw new ForbiddenError(`Insufficient permissions to grant db user admin privileges on ${db}`);
  if (change.readPermissions || change.writePermissions) throw new ForbiddenError(`Insufficient permissions to change db user permissions on ${db}`);
  if (principal.name !== name) throw new ForbiddenError(`Insufficient permissions to change db user password for ${name} on ${db}`);
}

export const deleteDatabaseUser: Handler = (exchange, server) => deleteUser(exchange, server, false);
export const deleteDatabaseAdmin: Handler = (exchange, server) => deleteUser(exchange, server, true);

async function deleteUser(exchange: Exchange, server: ServerContext, adminsOnly: boolean): Promise<void> {
  const { db, user: name } = exchange.params as { db: string; user: string };
  await server.auth.databaseAdmin(exchange, db, `Insufficient permissions to delete db user on ${db}`);
  const user = server.meta.databaseUser(db, name);
  if (!user) throw new BadRequestError(`User ${name} doesn't exist`);
  if (adminsOnly && !user.admin) throw new BadRequestError(`User ${name} isn't a database admin`);
  await server.meta.deleteDatabaseUser(db, name);
  server.auth.verifier.forget(databaseUserAccount(db, name));
  exchange.empty(200);
}
