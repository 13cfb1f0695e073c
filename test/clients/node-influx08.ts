/**
 * npm's `influx@3.5.0` (node-influx, the InfluxDB 0.8 client), unchanged, behind the types of
 * the calls the client tests make. The package ships no types and answers through callbacks,
 * so each call is wrapped in a promise here.
 */
import { createRequire } from 'node:module';

type Callback<T> = (error: Error | null, result?: T) => void;

export interface SeriesObject {
  readonly name: string;
  readonly columns: string[];
  readonly points: unknown[][];
}

export interface DatabaseUser {
  readonly name: string;
  readonly isAdmin: boolean;
  readonly readFrom: string;
  readonly writeTo: string;
}

export interface ShardSpace {
  readonly name?: string;
  readonly database?: string;
  readonly regex: string;
  readonly retentionPolicy: string;
  readonly shardDuration: string;
  readonly replicationFactor: number;
  readonly split: number;
}

export interface DatabaseOptions {
  readonly spaces?: readonly ShardSpace[];
  readonly continuousQueries?: readonly string[];
}

/** A point as node-influx takes it: column name → value; a `Date` time is sent in ms. */
export type Point = Readonly<Record<string, unknown>>;

interface CallbackClient {
  createDatabase(name: string, options: DatabaseOptions, callback: Callback<string>): void;
  deleteDatabase(name: string, callback: Callback<string>): void;
  getDatabaseNames(callback: Callback<string[]>): void;
  getSeriesNames(db: string, callback: Callback<string[]>): void;
  getUsers(db: string, callback: Callback<DatabaseUser[]>): void;
  getUser(db: string, name: string, callback: Callback<DatabaseUser>): void;
  createUser(db: string, name: string, password: string, callback: Callback<string>): void;
  updateUser(db: string, name: string, changes: Readonly<Record<string, unknown>>, callback: Callback<string>): void;
  writeSeries(series: Readonly<Record<string, readonly Point[]>>, options: object, callback: Callback<string>): void;
  writePoint(series: string, point: Point, options: object, callback: Callback<string>): void;
  writePoints(series: string, points: readonly Point[], options: object, callback: Callback<string>): void;
  query(query: string, callback: Callback<SeriesObject[]>): void;
  dropSeries(db: string, series: string, callback: Callback<unknown>): void;
  getContinuousQueries(db: string, callback: Callback<SeriesObject[]>): void;
  dropContinuousQuery(db: string, id: number, callback: Callback<SeriesObject[]>): void;
  getShardSpaces(db: string, callback: Callback<ShardSpace[]>): void;
  createShardSpace(db: string, space: ShardSpace, callback: Callback<string>): void;
  updateShardSpace(db: string, name: string, space: ShardSpace, callback: Callback<string>): void;
  deleteShardSpace(db: string, name: string, callback: Callback<string>): void;
}

export interface ClientOptions {
  readonly port: number;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
  readonly timePrecision?: 's' | 'ms' | 'u';
}

type Promised<F> = F extends (...args: [...infer A, Callback<infer R>]) => void ? (...args: A) => Promise<R | undefined> : never;

export type NodeInflux = { readonly [K in keyof CallbackClient]: Promised<CallbackClient[K]> };

const createClient = createRequire(import.meta.url)('influx') as (options: object) => CallbackClient;

export function nodeInflux(options: ClientOptions): NodeInflux {
  const client = createClient({ host: '127.0.0.1', username: 'root', password: 'root', ...options });
  // Only the client's own methods are wrapped, so the proxy is no thenable and hides nothing.
  return new Proxy({} as NodeInflux, {
    get: (_target, method: string) => {
      const call: unknown = (client as unknown as Record<string, unknown>)[method];
      if (typeof call !== 'function') return undefined;
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          call.call(client, ...args, (error: Error | null, result?: unknown) => (error ? reject(error) : resolve(result)));
        });
    },
  });
}
