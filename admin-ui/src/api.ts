/** The InfluxDB 0.8 HTTP API as the page calls it: cross-origin, credentials as u/p, JSON bodies. */
export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly username: string;
  readonly password: string;
  /** Empty for a cluster admin's login without a database. */
  readonly database: string;
}

/** One series of a query's answer (the default millisecond time precision). */
export interface Series {
  readonly name: string;
  readonly columns: string[];
  readonly points: unknown[][];
}

export interface DatabaseUser {
  readonly name: string;
  readonly isAdmin: boolean;
}

export interface ContinuousQuery {
  readonly id: number;
  readonly query: string;
}

/** A refusal from the server; its message is the response's text, as the server wrote it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(text || `HTTP ${status}`);
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

export class Api {
  constructor(readonly connection: Connection) {}

  get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    return this.request<T>('GET', path, params);
  }

  post(path: string, body: unknown): Promise<void> {
    return this.request<void>('POST', path, {}, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  private async request<T>(method: Method, path: string, params: Record<string, string> = {}, body?: unknown): Promise<T> {
    const { ssl, host, port, username, password } = this.connection;
    const url = new URL(`${ssl ? 'https' : 'http'}://${host}:${port}${path}`);
    for (const [key, value] of Object.entries({ u: username, p: password, ...params })) url.searchParams.set(key, value);
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const init: RequestInit = { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
    const response = method === 'GET' ? await fetchRetrying(url, init) : await fetch(url, init);
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, text.trim());
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** Waits before each retry of a read that failed on the network (0.8's page retried too). */
const RETRY_DELAYS_MS = [250, 1000];

/**
 * A read, sent again when it fails without any response (a dropped connection, a server
 * restarting). Changes are not: one may have reached the server before the connection broke.
 */
async function fetchRetrying(url: URL, init: RequestInit): Promise<Response> {
  for (const delay of RETRY_DELAYS_MS) {
    try {
      return await fetch(url, init);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return fetch(url, init);
}

/** A path segment from a name that may hold any character but `%`. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}
