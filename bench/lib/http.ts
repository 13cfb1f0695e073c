/**
 * A keep-alive node:http client for benchmarks: no hidden headers, no decompression unless
 * asked for, and a socket pool whose size is the benchmark's connection count.
 */
import http from 'node:http';
import { createGunzip } from 'node:zlib';
import { countJsonStream, type StreamCount } from '../../test/helpers/json-stream.js';

export interface Reply {
  readonly status: number;
  readonly body: string;
}

export class BenchClient {
  readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  private open(method: string, pathAndQuery: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    return http.request(`${this.baseUrl}${pathAndQuery}`, { method, headers, agent: this.agent });
  }

  send(method: string, pathAndQuery: string, body?: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': body.length };
      const req = this.open(method, pathAndQuery, headers);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Runs a chunked query and counts objects, point rows and bytes as they stream in. With
   * `gzip`, the answer is asked for gzip-compressed (as Python's requests and browsers ask)
   * and counted as it inflates: the bytes are then the JSON's, not the wire's.
   */
  countChunked(pathAndQuery: string, options: { readonly gzip?: boolean } = {}): Promise<StreamCount> {
    return new Promise((resolve, reject) => {
      const req = this.open('GET', pathAndQuery, options.gzip ? { 'accept-encoding': 'gzip' } : {});
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`)));
          return;
        }
        if (options.gzip && res.headers['content-encoding'] !== 'gzip') return reject(new Error('the answer came uncompressed'));
        countJsonStream(options.gzip ? res.pipe(createGunzip()) : res).then(resolve, reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function seriesPath(db: string, q: string, params: Readonly<Record<string, string>> = {}): string {
  const query = new URLSearchParams({ u: 'root', p: 'root', q, ...params }).toString().replace(/\+/g, '%20');
  return `/db/${encodeURIComponent(db)}/series?${query}`;
}

/** Polls until `ready` resolves true; returns the elapsed milliseconds since `since`. */
export async function waitUntil(ready: () => Promise<boolean>, since: number, timeoutMs: number, what: string): Promise<number> {
  for (;;) {
    try {
      if (await ready()) return performance.now() - since;
    } catch {
      // Not answering yet.
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
