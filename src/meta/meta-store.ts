import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, ConflictError } from '../errors.js';
import type { Logger } from '../log.js';
import { byteOrder } from '../util/byte-order.js';
import { readMetaFile, writeMetaFile } from './meta-file.js';
import type { DatabaseLifecycle, StoredContinuousQuery } from './lifecycle.js';
import { validateDatabaseName } from './names.js';
import { hashPassword, type PasswordHash } from './passwords.js';
import type { Permission } from './permissions.js';

/** A database user (an admin of its database when `admin` is set). */
export interface StoredUser {
  readonly password: PasswordHash;
  readonly admin: boolean;
  readonly readPermissions: readonly Permission[];
  readonly writePermissions: readonly Permission[];
}

interface MetaDocument {
  version: 1;
  /** A database's scheduled deletes and continuous queries go with it when it is dropped. */
  databases: Record<string, { created: number } & DatabaseLifecycle>;
  clusterAdmins: Record<string, PasswordHash>;
  /** Per database, its users by name (absent in files from before database users). */
  users?: Record<string, Record<string, StoredUser>>;
}

/** Names are client text: `__proto__` must be a key like any other. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function getOwn<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

const NO_CONTINUOUS_QUERIES: readonly StoredContinuousQuery[] = [];

/**
 * Databases and accounts: small, rarely written, read on every request. Lives on the main
 * thread in memory; every change rewrites one file atomically before it is acknowledged,
 * keeping the previous good copy (meta-file.ts).
 */
export class MetaStore {
  /** Bumped by every change to accounts, so cached authorisations can tell they are stale. */
  private accountsVersion = 0;

  private constructor(
    private readonly path: string,
    private doc: MetaDocument | undefined,
  ) {}

  static open(dataDir: string, options: { initialRootPassword: string; resetRoot: boolean }, log: Pick<Logger, 'warn'>): MetaStore {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'meta.json');
    const stored = readMetaFile(path, log) as MetaDocument | undefined;
    const store = new MetaStore(path, stored);
    // Root is created on the first start only: a deleted root stays deleted unless reset.
    if (stored === undefined || options.resetRoot) {
      const root = hashPassword(options.initialRootPassword);
      store.update((next) => setOwn(next.clusterAdmins, 'root', root));
    }
    return store;
  }

  private get current(): MetaDocument {
    return this.doc ?? { version: 1, databases: {}, clusterAdmins: {} };
  }

  /** Changes whenever an account is created, changed or deleted. */
  get accountsGeneration(): number {
    return this.accountsVersion;
  }

  databaseExists(name: string): boolean {
    return Object.hasOwn(this.current.databases, name);
  }

  listDatabases(): string[] {
    return Object.keys(this.current.databases).sort(byteOrder);
  }

  createDatabase(rawName: unknown, existsStatus: 400 | 409 = 409): string {
    const name = validateDatabaseName(rawName);
    if (this.databaseExists(name)) {
      throw existsStatus === 409 ? new ConflictError(`database ${name} exists`) : new BadRequestError(`database ${name} exists`);
    }
    this.update((next) => setOwn(next.databases, name, { created: Date.now() }));
    return name;
  }

  /** Drops the database and its users. */
  dropDatabase(name: string): void {
    if (!this.databaseExists(name)) throw new BadRequestError(`Database ${name} doesn't exist`);
    this.update((next) => {
      delete next.databases[name];
      if (next.users) delete next.users[name];
    }, getOwn(this.current.users, name) !== undefined);
  }

  /**
   * The database's lifecycle settings (scheduled deletes, continuous queries), not copied: the
   * schedulers read them every second. Changes go through updateLifecycle, which replaces the
   * document, so what a caller holds never changes under it.
   */
  lifecycle(db: string): Readonly<DatabaseLifecycle> {
    if (!this.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    const { created: _created, ...lifecycle } = this.current.databases[db]!;
    return lifecycle;
  }

  /**
   * The database's continuous queries, not copied: read on every write. The array is replaced,
   * never changed, when they change, so it can key a cache of their compiled form.
   */
  continuousQueries(db: string): readonly StoredContinuousQuery[] {
    return (this.databaseExists(db) ? this.current.databases[db]!.continuousQueries : undefined) ?? NO_CONTINUOUS_QUERIES;
  }

  /** Changes the database's lifecycle settings and saves them before returning `change`'s result. */
  updateLifecycle<T>(db: string, change: (lifecycle: DatabaseLifecycle) => T): T {
    if (!this.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    let result: T | undefined;
    this.update((next) => (result = change(next.databases[db]!)));
    return result as T;
  }

  clusterAdmin(name: string): PasswordHash | undefined {
    return getOwn(this.current.clusterAdmins, name);
  }

  listClusterAdmins(): string[] {
    return Object.keys(this.current.clusterAdmins).sort(byteOrder);
  }

  createClusterAdmin(name: string, password: PasswordHash): void {
    if (this.clusterAdmin(name)) throw new BadRequestError(`User ${name} already exists`);
    this.update((next) => setOwn(next.clusterAdmins, name, password), true);
  }

  changeClusterAdminPassword(name: string, password: PasswordHash): void {
    if (!this.clusterAdmin(name)) throw new BadRequestError(`Invalid user name ${name}`);
    this.update((next) => setOwn(next.clusterAdmins, name, password), true);
  }

  deleteClusterAdmin(name: string): void {
    if (!this.clusterAdmin(name)) throw new BadRequestError(`User ${name} doesn't exists`);
    this.update((next) => delete next.clusterAdmins[name], true);
  }

  databaseUser(db: string, name: string): StoredUser | undefined {
    return getOwn(getOwn(this.current.users, db), name);
  }

  /** The database's users (admins included), sorted by name. */
  listDatabaseUsers(db: string): [string, StoredUser][] {
    return Object.entries(getOwn(this.current.users, db) ?? {}).sort(([a], [b]) => byteOrder(a, b));
  }

  createDatabaseUser(db: string, name: string, user: StoredUser): void {
    if (!this.databaseExists(db)) throw new BadRequestError(`No such database ${db}`);
    if (this.databaseUser(db, name)) throw new BadRequestError(`User ${name} already exists`);
    this.update((next) => {
      next.users ??= {};
      if (!Object.hasOwn(next.users, db)) setOwn(next.users, db, {});
      setOwn(next.users[db]!, name, user);
    }, true);
  }

  /** Replaces the user's record; `unknown` is the error for a user that is not there. */
  replaceDatabaseUser(db: string, name: string, user: StoredUser): void {
    if (!this.databaseUser(db, name)) throw new BadRequestError(`Invalid username ${name}`);
    this.update((next) => setOwn(next.users![db]!, name, user), true);
  }

  deleteDatabaseUser(db: string, name: string): void {
    if (!this.databaseUser(db, name)) throw new BadRequestError(`User ${name} doesn't exist`);
    this.update((next) => delete next.users![db]![name], true);
  }

  /** Change a copy and save it; only once it is on disk does it replace what requests see. */
  private update(change: (next: MetaDocument) => unknown, accounts = false): void {
    const next = structuredClone(this.current);
    change(next);
    writeMetaFile(this.path, next, this.doc);
    this.doc = next;
    if (accounts) this.accountsVersion++;
  }
}
