import http from 'node:http';
import { ServerUnreachable } from '../server-target.js';

/** What the server answered a POST: all an upload needs to decide whether to send it again. */
export interface PostAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly text: string;
}

/**
 * POSTs over at most `connections` kept-alive connections. node:http rather than fetch: a
 * request costs a fraction of fetch's CPU, which matters when the importer must cost next to
 * nothing beside the server.
 */
export class KeepAlivePoster {
  private readonly agent: http.Agent;

  constructor(connections: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  post(url: URL, body: Buffer, contentType: string): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      const headers = { 'content-type': contentType, 'content-length': body.length };
      const req = http.request(url, { method: 'POST', agent: this.agent, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('error', reject);
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, text: Buffer.concat(parts).toString('utf8') });
        });
      });
      req.on('error', (err) => reject(new ServerUnreachable(`cannot reach the server at ${url.host}: ${err.message}`)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
