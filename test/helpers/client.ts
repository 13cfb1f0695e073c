/**
 * A small InfluxDB 0.8 HTTP client for the end-to-end tests. Requests authenticate as the
 * default cluster admin (root/root, passed as `u`/`p`) unless told otherwise, and ask for an
 * uncompressed response so the compression code is exercised only by the tests about it.
 */
import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { parseJsonStream } from './json-stream.js';

export interface Target {
  readonly baseUrl: string;
}

export interface Credentials {
  readonly u: string;
  readonly p: string;
}

export const ROOT: Credentials = { u: 'root', p: 'root' };

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface SeriesInput {
  readonly name: string;
  readonly columns: readonly string[];
  readonly points: readonly (readonly unknown[])[];
}

/** One series object of a query response. */
export interface SeriesResult {
  readonly name: string;
  readonly columns: string[];
  readonly points: unknown[][];
}

export type Params = Readonly<Record<string, string>>;

export interface RequestOptions {
  /** `null` sends no credentials at all. */
  readonly auth?: Credentials | null;
  readonly params?: Params;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

/** Percent-encodes with `%20` for spaces, which every server decodes (`+` is form encoding). */
export function queryString(params: Params): string {
  const pairs = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

export function urlFor(target: Target, pathname: string, params: Params = {}, auth: Credentials | null = ROOT): string {
  const all = auth === null ? params : { u: auth.u, p: auth.p, ...params };
  return `${target.baseUrl}${pathname}${queryString(all)}`;
}

function fetchInit(method: string, options: RequestOptions): RequestInit {
  return {
    method,
    headers: { 'accept-encoding': 'identity', ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/**
 * fetch, trying a GET once more when the pooled keep-alive connection it was sent on turns out
 * closed before any answer came (undici: UND_ERR_SOCKET, "other side closed"). The server may
 * close a connection that sat idle (uWS after 10 s); under a loaded CI machine the pool still
 * handed one out, and a test failed on the race, not on anything the server answered. HTTP
 * clients retry an idempotent request on a stale connection the same way.
 */
export async function fetchRetryingStale(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if ((init.method ?? 'GET') !== 'GET' || cause?.code !== 'UND_ERR_SOCKET') throw error;
    return fetch(url, init);
  }
}

export async function request(target: Target, method: string, pathname: string, options: RequestOptions = {}): Promise<HttpResult> {
  const response = await fetchRetryingStale(urlFor(target, pathname, options.params, options.auth), fetchInit(method, options));
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function describe(what: string, result: HttpResult): Error {
  return new Error(`${what}: HTTP ${result.status} ${JSON.stringify(result.text.slice(0, 2000))}`);
}

export async function createDb(target: Target, name: string): Promise<void> {
  const result = await request(target, 'POST', '/db', { body: JSON.stringify({ name }) });
  if (result.status !== 201) throw describe(`create database ${name}`, result);
}

export async function dropDb(target: Target, name: string): Promise<HttpResult> {
  return request(target, 'DELETE', `/db/${encodeURIComponent(name)}`);
}

export async function listDbs(target: Target): Promise<string[]> {
  const result = await request(target, 'GET', '/db');
  if (result.status !== 200) throw describe('list databases', result);
  return (JSON.parse(result.text) as { name: string }[]).map((d) => d.name);
}

export interface WriteOptions {
  /** `time_precision`; omitted means the server default (ms). */
  readonly precision?: string;
  readonly auth?: Credentials | null;
  /** Send the body gzip-compressed with `Content-Encoding: gzip`. */
  readonly gzip?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** POST /db/:db/series. A string body is sent verbatim (for malformed or int64 payloads). */
export async function write(
  target: Target,
  db: string,
  series: readonly SeriesInput[] | string,
  options: WriteOptions = {},
): Promise<HttpResult> {
  const text = typeof series === 'string' ? series : JSON.stringify(series);
  const body = options.gzip === true ? gzipSync(text) : text;
  const headers = {
    'content-type': 'application/json',
    ...(options.gzip === true ? { 'content-encoding': 'gzip' } : {}),
    ...options.headers,
  };
  return request(target, 'POST', `/db/${encodeURIComponent(db)}/series`, {
    auth: options.auth === undefined ? ROOT : options.auth,
    params: options.precision === undefined ? {} : { time_precision: options.precision },
    headers,
    body,
  });
}

/** Like `write`, but throws unless the server answers 200. */
export async function writeOk(
  target: Target,
  db: string,
  series: readonly SeriesInput[] | string,
  options: WriteOptions = {},
): Promise<void> {
  const result = await write(target, db, series, options);
  if (result.status !== 200) throw describe(`write to ${db}`, result);
}

/** GET /db/:db/series?q=... with extra parameters such as `time_precision` or `chunked`. */
export async function query(
  target: Target,
  db: string,
  q: string,
  params: Params = {},
  auth: Credentials | null = ROOT,
): Promise<HttpResult> {
  return request(target, 'GET', `/db/${encodeURIComponent(db)}/series`, { params: { q, ...params }, auth });
}

/** Runs a query that must succeed and returns its series objects. */
export async function querySeries(target: Target, db: string, q: string, params: Params = {}): Promise<SeriesResult[]> {
  const result = await query(target, db, q, params);
  if (result.status !== 200) throw describe(`query ${JSON.stringify(q)}`, result);
  return JSON.parse(result.text) as SeriesResult[];
}

/** Names of all series in the database, via `list series`. */
export async function listSeries(target: Target, db: string): Promise<string[]> {
  const [result] = await querySeries(target, db, 'list series');
  if (result === undefined) throw new Error('list series returned no series object');
  const nameIndex = result.columns.indexOf('name');
  return result.points.map((point) => point[nameIndex] as string);
}

export interface StreamedQuery {
  readonly status: number;
  readonly headers: Headers;
  /** The series objects as they arrive; for a non-200 response, use `text()` instead. */
  readonly objects: AsyncGenerator<SeriesResult, void, undefined>;
  text(): Promise<string>;
}

/** A `chunked=true` query whose objects are parsed while the body is still arriving. */
export async function streamQuery(
  target: Target,
  db: string,
  q: string,
  params: Params = {},
  signal?: AbortSignal,
): Promise<StreamedQuery> {
  const url = urlFor(target, `/db/${encodeURIComponent(db)}/series`, { q, chunked: 'true', ...params });
  const response = await fetchRetryingStale(url, fetchInit('GET', signal === undefined ? {} : { signal }));
  const body = response.body;
  async function* objects(): AsyncGenerator<SeriesResult, void, undefined> {
    if (body === null) return;
    for await (const object of parseJsonStream(body)) yield object as SeriesResult;
  }
  return { status: response.status, headers: response.headers, objects: objects(), text: () => response.text() };
}

export interface RawResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A request through node:http, which adds no headers of its own and never decompresses:
 * for the compression tests and for bodies the server may refuse before reading them.
 */
export function rawRequest(
  target: Target,
  method: string,
  pathAndQuery: string,
  options: { headers?: Readonly<Record<string, string>>; body?: string | Uint8Array } = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${target.baseUrl}${pathAndQuery}`, { method, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Column `name` of every point, for asserting on one column of a result. */
export function column(series: SeriesResult, name: string): unknown[] {
  const index = series.columns.indexOf(name);
  if (index < 0) throw new Error(`no column ${name} in ${JSON.stringify(series.columns)}`);
  return series.points.map((point) => point[index]);
}

/** Total number of points over all series objects. */
export function pointCount(series: readonly SeriesResult[]): number {
  return series.reduce((sum, s) => sum + s.points.length, 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends raw HTTP/1.1 requests on one connection, the last with Connection: close; all it got back. */
export function pipelined(port: number, requests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Written, not ended: uWS drops a connection whose client has half-closed it.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(requests));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text)).on('error', reject);
  });
}
