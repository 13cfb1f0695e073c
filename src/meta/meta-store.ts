import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, ConflictError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { byteOrder } from '../util/byte-order.js';
import type { DatabaseLifecycle, StoredContinuousQuery } from './lifecycle.js';
import { validateDatabaseName } from './names.js';
import { hashPassword, type PasswordHash } from './passwords.js';

interface MetaDocument {
  version: 1;
  /** A database's scheduled deletes and continuous queries go with it when it is dropped. */
  databases: Record<string, { created: number } & DatabaseLifecycle>;
  clusterAdmins: Record<string, PasswordHash>;
}

const NO_CONTINUOUS_QUERIES: readonly StoredContinuousQuery[] = [];

/**
 * Databases and accounts: small, rarely written, read on every request. Lives on the main
 * thread in memory; every change rewrites one file atomically before it is acknowledged.
 */
export class MetaStore {
  private constructor(
    private readonly path: string,
    private doc: MetaDocument,
  ) {}

  static open(dataDir: string, options: { initialRootPassword: string; resetRoot: boolean }): MetaStore {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'meta.json');
    const fresh = !existsSync(path);
    const doc: MetaDocument = fresh
      ? { version: 1, databases: {}, clusterAdmins: {} }
      : (JSON.parse(readFileSync(path, 'utf8')) as MetaDocument);
    const store = new MetaStore(path, doc);
    // Root is created on the first start only: a deleted root stays deleted unless reset.
    if (fresh || options.resetRoot) {
      const root = hashPassword(options.initialRootPassword);
      store.update((next) => (next.clusterAdmins.root = root));
    }
    return store;
  }

  databaseExists(name: string): boolean {
    return Object.hasOwn(this.doc.databases, name);
  }

  listDatabases(): string[] {
    return Object.keys(this.doc.databases).sort(byteOrder);
  }

  createDatabase(rawName: unknown): string {
    const name = validateDatabaseName(rawName);
    if (this.databaseExists(name)) throw new ConflictError(`database ${name} exists`);
    this.update((next) => (next.databases[name] = { created: Date.now() }));
    return name;
  }

  dropDatabase(name: string): void {
    if (!this.databaseExists(name)) throw new BadRequestError(`Database ${name} doesn't exist`);
    this.update((next) => delete next.databases[name]);
  }

  /** A copy of the database's lifecycle settings (scheduled deletes, continuous queries). */
  lifecycle(db: string): DatabaseLifecycle {
    if (!this.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    const { created: _created, ...lifecycle } = this.doc.databases[db]!;
    return structuredClone(lifecycle);
  }

  /**
   * The database's continuous queries, not copied: read on every write. The array is replaced,
   * never changed, when they change, so it can key a cache of their compiled form.
   */
  continuousQueries(db: string): readonly StoredContinuousQuery[] {
    return (this.databaseExists(db) ? this.doc.databases[db]!.continuousQueries : undefined) ?? NO_CONTINUOUS_QUERIES;
  }

  /** Changes the database's lifecycle settings and saves them before returning `change`'s result. */
  updateLifecycle<T>(db: string, change: (lifecycle: DatabaseLifecycle) => T): T {
    if (!this.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    let result: T | undefined;
    this.update((next) => (result = change(next.databases[db]!)));
    return result as T;
  }

  clusterAdmin(name: string): PasswordHash | undefined {
    return Object.hasOwn(this.doc.clusterAdmins, name) ? this.doc.clusterAdmins[name] : undefined;
  }

  /** Change a copy and save it; only once it is on disk does it replace what requests see. */
  private update(change: (next: MetaDocument) => unknown): void {
    const next = structuredClone(this.doc);
    change(next);
    writeFileAtomic(this.path, JSON.stringify(next));
    this.doc = next;
  }
}
