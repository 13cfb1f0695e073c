/**
 * The admin page's file server: on its own port (logged beside the API's), only the built
 * files, from memory, with their content types; no request path reaches any other file; off
 * when asked; a taken admin port stops the start like a taken API port.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipelined } from '../helpers/client.js';
import { startRefused } from '../helpers/refused-start.js';
import { cleanupServers, repoRoot, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The path goes out byte for byte: a URL object would resolve `..` before sending. */
function rawGet(port: number, rawPath: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let server: TestServer;
let adminPort: number;

test.before(async () => {
  server = await startServer({ args: ['--admin-port', '0'] });
  adminPort = server.adminPort!;
});

test('the admin port is logged beside the API port and serves the built page', async (t) => {
  t.is(typeof server.adminPort, 'number');
  t.not(server.adminPort, server.port);
  const page = await rawGet(adminPort, '/');
  t.is(page.status, 200);
  t.is(page.headers['content-type'], 'text/html; charset=utf-8');
  t.is(page.headers['cache-control'], 'no-cache');
  t.is(page.body, readFileSync(path.join(repoRoot, 'dist', 'admin', 'index.html'), 'utf8'));
  t.is((await rawGet(adminPort, '/index.html')).body, page.body);
});

test('every file the page names is served with its content type, and kept by browsers', async (t) => {
  const page = await rawGet(adminPort, '/');
  const referenced = [...page.body.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((match) => match[1]!);
  const types = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' } as Record<string, string>;
  t.deepEqual(new Set(referenced.map((file) => path.extname(file))), new Set(['.js', '.css']));
  for (const file of referenced) {
    const answer = await rawGet(adminPort, `/${file}`);
    t.is(answer.status, 200, file);
    t.is(answer.headers['content-type'], types[path.extname(file)], file);
    t.is(answer.headers['cache-control'], 'public, max-age=31536000, immutable', file);
    t.is(answer.headers['x-content-type-options'], 'nosniff');
    t.is(answer.body, readFileSync(path.join(repoRoot, 'dist', 'admin', file), 'utf8'));
  }
});

test('HEAD answers the length without the body', async (t) => {
  const head = await rawGet(adminPort, '/', 'HEAD');
  t.is(head.status, 200);
  t.is(Number(head.headers['content-length']), (await rawGet(adminPort, '/')).body.length);
  t.is(head.body, '');
});

test('HEAD answers, found or not, end without a body, so the next request on the connection is answered whole', async (t) => {
  for (const [target, status] of [['/', '200 OK'], ['/missing.js', '404 Not Found']] as const) {
    const bytes = await pipelined(adminPort, `HEAD ${target} HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const [head, ...rest] = bytes.split('\r\n\r\n');
    t.regex(head!, new RegExp(`^HTTP/1\\.1 ${status}\\r\\n`), target);
    t.regex(rest.join('\r\n\r\n'), /^HTTP\/1\.1 200 OK\r\n/, target);
  }
});

test('no path leaves the built files, however it is spelled', async (t) => {
  const attempts = [
    '/../package.json',
    '/../../package.json',
    '/assets/../../package.json',
    '/%2e%2e/package.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%2f..%2fpackage.json',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/../src/main.js',
    '/package.json',
    '/%E0%A4%A',
    '/assets/',
  ];
  for (const attempt of attempts) {
    const answer = await rawGet(adminPort, attempt);
    t.is(answer.status, 404, attempt);
    t.is(answer.body, '404 page not found', attempt);
  }
  // The server itself is still up and serving.
  t.is((await rawGet(adminPort, '/')).status, 200);
});

test('methods other than GET and HEAD are refused', async (t) => {
  const answer = await rawGet(adminPort, '/', 'POST');
  t.is(answer.status, 405);
  t.is(answer.headers.allow, 'GET, HEAD');
});

test('--admin-port off serves no admin page', async (t) => {
  const off = await startServer({ args: ['--admin-port', 'off'] });
  t.is(off.adminPort, undefined);
  t.false(off.output().includes('adminPort'));
  t.is(await off.stop(), 0);
});

test.serial('a taken admin port stops the start with the reason', async (t) => {
  const failure = await startRefused({ args: ['--admin-port', String(adminPort)] });
  t.true(failure.includes(`cannot listen on 127.0.0.1:${adminPort}: port ${adminPort} is in use`), failure);
  t.regex(failure, /exited before listening \(code 1/);
  t.is((await rawGet(adminPort, '/')).status, 200);
});
