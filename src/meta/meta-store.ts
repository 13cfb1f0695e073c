import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, ConflictError } from '../errors.js';
import type { Logger } from '../log.js';
import { byteOrder } from '../util/byte-order.js';
import { readMetaFile, writeMetaFile, writeMetaFileAsync } from './meta-file.js';
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
 * keeping the previous good copy (meta-file.ts). The writes and their fsyncs run off the event
 * loop, one change at a time: each change checks its preconditions against the document as
 * the changes before it left it, so two requests racing for one name cannot both win.
 */
export class MetaStore {
  /** Bumped by every change to accounts, so cached authorisations can tell they are stale. */
  private accountsVersion = 0;
  /** The change being written; the next one starts after it. */
  private writing: Promise<unknown> = Promise.resolve();

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
      const next = store.copy();
      setOwn(next.clusterAdmins, 'root', root);
      // Before the server serves anything: written here, on the starting thread.
      writeMetaFile(path, next, store.doc);
      store.doc = next;
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
    return exists(this.current, name);
  }

  /** When the database was created: tells a database from an earlier one of the same name. */
  databaseCreated(name: string): number | undefined {
    return exists(this.current, name) ? this.current.databases[name]!.created : undefined;
  }

  listDatabases(): string[] {
    return Object.keys(this.current.databases).sort(byteOrder);
  }

  async createDatabase(rawName: unknown, existsStatus: 400 | 409 = 409): Promise<string> {
    const name = validateDatabaseName(rawName);
    await this.update((next) => {
      if (exists(next, name)) throw existsStatus === 409 ? new ConflictError(`database ${name} exists`) : new BadRequestError(`database ${name} exists`);
      setOwn(next.databases, name, { created: Date.now() });
    });
    return name;
  }

  /** Drops the database and its users; resolves with when the dropped database was created. */
  async dropDatabase(name: string): Promise<number> {
    const { created } = await this.update(
      (next) => {
        if (!exists(next, name)) throw new BadRequestError(`Database ${name} doesn't exist`);
        const hadUsers = getOwn(next.users, name) !== undefined;
        const dropped = next.databases[name]!.created;
        delete next.databases[name];
        if (next.users) delete next.users[name];
        return { hadUsers, created: dropped };
      },
      ({ hadUsers }) => hadUsers,
    );
    return created;
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
  updateLifecycle<T>(db: string, change: (lifecycle: DatabaseLifecycle) => T): Promise<T> {
    return this.update((next) => {
      if (!exists(next, db)) throw new BadRequestError(`Database ${db} doesn't exist`);
      return change(next.databases[db]!);
    });
  }

  clusterAdmin(name: string): PasswordHash | undefined {
    return getOwn(this.current.clusterAdmins, name);
  }

  listClusterAdmins(): string[] {
    return Object.keys(this.current.clusterAdmins).sort(byteOrder);
  }

  createClusterAdmin(name: string, password: PasswordHash): Promise<void> {
    return this.update((next) => {
      if (getOwn(next.clusterAdmins, name)) throw new BadRequestError(`User ${name} already exists`);
      setOwn(next.clusterAdmins, name, password);
    }, ACCOUNTS);
  }

  changeClusterAdminPassword(name: string, password: PasswordHash): Promise<void> {
    return this.update((next) => {
      if (!getOwn(next.clusterAdmins, name)) throw new BadRequestError(`Invalid user name ${name}`);
      setOwn(next.clusterAdmins, name, password);
    }, ACCOUNTS);
  }

  deleteClusterAdmin(name: string): Promise<void> {
    return this.update((next) => {
      if (!getOwn(next.clusterAdmins, name)) throw new BadRequestError(`User ${name} doesn't exists`);
      delete next.clusterAdmins[name];
    }, ACCOUNTS);
  }

  databaseUser(db: string, name: string): StoredUser | undefined {
    return getOwn(getOwn(this.current.users, db), name);
  }

  /** The database's users (admins included), sorted by name. */
  listDatabaseUsers(db: string): [string, StoredUser][] {
    return Object.entries(getOwn(this.current.users, db) ?? {}).sort(([a], [b]) => byteOrder(a, b));
  }

  createDatabaseUser(db: string, name: string, user: StoredUser): Promise<void> {
    return this.update((next) => {
      if (!exists(next, db)) throw new BadRequestError(`No such database ${db}`);
      if (getOwn(getOwn(next.users, db), name)) throw new BadRequestError(`User ${name} already exists`);
      next.users ??= {};
      if (!Object.hasOwn(next.users, db)) setOwn(next.users, db, {});
      setOwn(next.users[db]!, name, user);
    }, ACCOUNTS);
  }

  /** Replaces the user's record; `unknown` is the error for a user that is not there. */
  replaceDatabaseUser(db: string, name: string, user: StoredUser): Promise<void> {
    return this.update((next) => {
      if (!getOwn(getOwn(next.users, db), name)) throw new BadRequestError(`Invalid username ${name}`);
      setOwn(next.users![db]!, name, user);
    }, ACCOUNTS);
  }

  deleteDatabaseUser(db: string, name: string): Promise<void> {
    return this.update((next) => {
      if (!getOwn(getOwn(next.users, db), name)) throw new BadRequestError(`User ${name} doesn't exist`);
      delete next.users![db]![name];
    }, ACCOUNTS);
  }

  private copy(): MetaDocument {
    return structuredClone(this.current);
  }

  /**
   * Changes a copy and saves it; only once it is on disk does it replace what requests see.
   * `change` runs after every earlier change is saved and may throw to refuse (nothing is
   * written); `accounts` says from its result whether accounts changed.
   */
  private update<T>(change: (next: MetaDocument) => T, accounts: (result: T) => boolean = () => false): Promise<T> {
    const run = async (): Promise<T> => {
      const next = this.copy();
      const result = change(next);
      await writeMetaFileAsync(this.path, next, this.doc);
      this.doc = next;
      if (accounts(result)) this.accountsVersion++;
      return result;
    };
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }
}

/** For `update`: the change was to accounts. */
const ACCOUNTS = (): boolean => true;

function exists(doc: MetaDocument, db: string): boolean {
  return Object.hasOwn(doc.databases, db);
}
