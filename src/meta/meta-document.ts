import type { DatabaseLifecycle } from './lifecycle.js';
import type { PasswordHash } from './passwords.js';
import type { Permission } from './permissions.js';

/** A database user (an admin of its database when `admin` is set). */
export interface StoredUser {
  readonly password: PasswordHash;
  readonly admin: boolean;
  readonly readPermissions: readonly Permission[];
  readonly writePermissions: readonly Permission[];
}

/** All metadata, stored as one document: meta.json on one node, one KV entry in a cluster. */
export interface MetaDocument {
  version: 1;
  /** A database's scheduled deletes and continuous queries go with it when it is dropped. */
  databases: Record<string, { created: number } & DatabaseLifecycle>;
  clusterAdmins: Record<string, PasswordHash>;
  /** Per database, its users by name (absent in files from before database users). */
  users?: Record<string, Record<string, StoredUser>>;
}

export function emptyDocument(): MetaDocument {
  return { version: 1, databases: {}, clusterAdmins: {} };
}

/** Names are client text: `__proto__` must be a key like any other. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getOwn<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `doc` with the `root` cluster admin (re)set: a first start, or `--reset-root`. */
export function withRoot(doc: MetaDocument, root: PasswordHash): MetaDocument {
  const next = structuredClone(doc);
  setOwn(next.clusterAdmins, 'root', root);
  return next;
}
