import { BadRequestError, InternalError } from '../errors.js';
import { validateUserName } from '../meta/names.js';
import { validatePassword } from '../meta/passwords.js';
import { validatePermissions } from './permission-input.js';
import { FULL_ACCESS, type Permission } from '../meta/permissions.js';

/*
 * Bodies of the account endpoints (http-api.md §8, §9.3, §9.4) turned into checked requests.
 * Both the seed's `username` and 0.8's `name` key name the account; the seed's permission
 * lists and 0.8's readFrom/writeTo strings are both accepted.
 */

/** A JSON object body, or 400 with the parser's message. */
export function jsonObject(body: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new BadRequestError((err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError('Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * A JSON object body where 0.8 answered a body it could not decode with 500 (a password change,
 * a shard space: http-api.md §8, §12), not 400 as elsewhere.
 */
export function jsonObjectOr500(body: Uint8Array): Record<string, unknown> {
  try {
    return jsonObject(body);
  } catch (err) {
    throw err instanceof BadRequestError ? new InternalError(err.message) : err;
  }
}

export interface NewAccount {
  readonly name: string;
  readonly password: string;
}

/** `{"username"|"name", "password"}`, checked in 0.8's order: name, then password. */
export function newAccount(body: Record<string, unknown>): NewAccount {
  const name = validateUserName(body.username ?? body.name);
  return { name, password: validatePassword(body.password) };
}

export interface NewDatabaseUser extends NewAccount {
  readonly admin: boolean;
  readonly readPermissions: readonly Permission[];
  readonly writePermissions: readonly Permission[];
}

export function newDatabaseUser(body: Record<string, unknown>, forceAdmin = false): NewDatabaseUser {
  const account = newAccount(body);
  if ((body.readFrom === undefined) !== (body.writeTo === undefined)) throw new BadRequestError('You have to provide read and write permissions');
  const admin = forceAdmin || adminFlag(body) === true;
  return {
    ...account,
    admin,
    readPermissions: permissionsIn(body, 'read') ?? FULL_ACCESS,
    writePermissions: permissionsIn(body, 'write') ?? FULL_ACCESS,
  };
}

/** The keys of an update body, validated; absent keys change nothing. */
export interface DatabaseUserChange {
  readonly password?: string;
  readonly admin?: boolean;
  readonly readPermissions?: readonly Permission[];
  readonly writePermissions?: readonly Permission[];
}

export function databaseUserChange(body: Record<string, unknown>): DatabaseUserChange {
  const change: { -readonly [K in keyof DatabaseUserChange]: DatabaseUserChange[K] } = {};
  if (body.password !== undefined) change.password = validatePassword(body.password);
  if ((body.readFrom === undefined) !== (body.writeTo === undefined)) throw new BadRequestError('Changing permissions requires passing readFrom and writeTo');
  const read = permissionsIn(body, 'read');
  const write = permissionsIn(body, 'write');
  if (read) change.readPermissions = read;
  if (write) change.writePermissions = write;
  const admin = adminFlag(body);
  if (admin !== undefined) change.admin = admin;
  return change;
}

/** 0.8's `admin` or the listed `isAdmin`. */
function adminFlag(body: Record<string, unknown>): boolean | undefined {
  const flag = body.admin ?? body.isAdmin;
  if (flag === undefined) return undefined;
  if (typeof flag !== 'boolean') throw new BadRequestError('admin must be boolean');
  return flag;
}

/** The seed list if given (it wins), else 0.8's regex string as a one-entry list. */
function permissionsIn(body: Record<string, unknown>, direction: 'read' | 'write'): Permission[] | undefined {
  const list = direction === 'read' ? body.readPermissions : body.writePermissions;
  if (list !== undefined) return validatePermissions(list, direction);
  const legacy = direction === 'read' ? body.readFrom : body.writeTo;
  if (legacy === undefined) return undefined;
  if (typeof legacy !== 'string') throw new BadRequestError(`${direction === 'read' ? 'readFrom' : 'writeTo'} must be a string`);
  return validatePermissions([{ matcher: legacy }], direction);
}
