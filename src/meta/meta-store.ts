import { BadRequestError, ConflictError } from '../errors.js';
import type { Logger } from '../log.js';
import { byteOrder } from '../util/byte-order.js';
import { FileMetaBackend } from './file-meta-backend.js';
import type { DatabaseLifecycle, StoredContinuousQuery } from './lifecycle.js';
import type { MetaBackend } from './meta-backend.js';
import { emptyDocument, getOwn, setOwn, withRoot, type MetaDocument, type StoredUser } from './meta-document.js';
import { validateDatabaseName } from './names.js';
import { hashPassword, hashPasswordOffLoop, type PasswordHash } from './passwords.js';

export type { MetaDocument, StoredUser } from './meta-document.js';

/** Told of each new document, this node's changes and other nodes' alike, once reads see it. */
export type MetaChangeListener = (previous: Readonly<MetaDocument>, next: Readonly<MetaDocument>) => void;

/** How the store opens: root's password on a first start, and whether to reset it now. */
export interface RootOptions {
  readonly initialRootPassword: string;
  readonly resetRoot: boolean;
}

const NO_CONTINUOUS_QUERIES: readonly StoredContinuousQuery[] = [];

/**
 * Databases and accounts: small, rarely written, read on every request. Lives on the main
 * thread in memory; every change is stored by the backend (meta.json, or the cluster's KV
 * bucket) before it is acknowledged. Changes run one at a time: each checks its preconditions
 * against the document as the changes before it left it, so two requests racing for one name
 * cannot both win (across nodes, the KV backend's compare-and-set keeps that promise).
 */
export class MetaStore {
  /** Bumped by every change to accounts, so cached authorisations can tell they are stale. */
  private accountsVersion = 0;
  /** The change being written; the next one starts after it. */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly listeners: MetaChangeListener[] = [];

  private constructor(private readonly backend: MetaBackend) {
    backend.attach((previous, next, accountsChanged) => {
      if (accountsChanged) this.accountsVersion++;
      for (const listener of this.listeners) listener(previous, next);
    });
  }

  /** The single node's store, in `<dataDir>/meta.json`. */
  static open(dataDir: string, options: RootOptions, log: Pick<Logger, 'warn'>): MetaStore {
    return new MetaStore(FileMetaBackend.open(dataDir, () => firstDocument(options), options.resetRoot ? (stored) => withRoot(stored, hashPassword(options.initialRootPassword)) : undefined, log));
  }

  /**
   * The store on a backend the nodes of a cluster share; `open` stores `initial` when the
   * backend has no document yet, and `--reset-root` is then a change like any other.
   */
  static async openShared(open: (initial: () => MetaDocument) => Promise<MetaBackend>, options: RootOptions): Promise<MetaStore> {
    const store = new MetaStore(await open(() => firstDocument(options)));
    if (options.resetRoot) {
      const root = await hashPasswordOffLoop(options.initialRootPassword);
      await store.update((next) => setOwn(next.clusterAdmins, 'root', root), ACCOUNTS);
    }
    return store;
  }

  /** Calls `listener` after every change of the document, wherever it was made. */
  onChange(listener: MetaChangeListener): void {
    this.listeners.push(listener);
  }

  /** Stops following other nodes' changes; the store must not be changed afterwards. */
  close(): Promise<void> {
    return this.backend.close();
  }

  private get current(): MetaDocument {
    return this.backend.latest;
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

  /**
   * Changes a copy of the document and stores it; only once it is stored does it replace what
   * requests see. `change` runs after every earlier change of this node is stored and may throw
   * to refuse (nothing is stored); `accounts` says from its result whether accounts changed.
   */
  private update<T>(change: (next: MetaDocument) => T, accounts: (result: T) => boolean = () => false): Promise<T> {
    const run = (): Promise<T> => this.backend.commit(change, accounts);
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }
}

/** Root is created on the first start only: a deleted root stays deleted unless reset. */
function firstDocument(options: RootOptions): MetaDocument {
  return withRoot(emptyDocument(), hashPassword(options.initialRootPassword));
}

/** For `update`: the change was to accounts. */
const ACCOUNTS = (): boolean => true;

function exists(doc: MetaDocument, db: string): boolean {
  return Object.hasOwn(doc.databases, db);
}
