/**
 * Line protocol goes to `POST /write?db=&precision=` as the file's lines, in batches. That
 * endpoint is being built apart from this command, so here a plain HTTP listener stands in for
 * it and records what arrives: the format detection, the batching and the query parameters are
 * what this proves, not what a server stores.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sluice } from '../helpers/cli.js';

interface Received {
  readonly method: string;
  readonly url: URL;
  readonly contentType: string | undefined;
  readonly body: string;
}

test('a line-protocol file is detected and posted to /write in batches of whole lines', async (t) => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-lp-'));
  const received: Received[] = [];
  const listener = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: new URL(req.url!, 'http://x'), contentType: req.headers['content-type'], body });
      res.writeHead(204).end();
    });
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.teardown(async () => {
    listener.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const lines = Array.from({ length: 25 }, (_, i) => `cpu,host=h${i % 2} value=${i}.5,n=${i}i 14000000000${String(i).padStart(2, '0')}`);
  const file = path.join(scratch, 'points.txt');
  await writeFile(file, `# exported\n${lines.slice(0, 12).join('\n')}\n\n${lines.slice(12).join('\r\n')}`);
  const port = (listener.address() as AddressInfo).port;
  const result = await sluice(['import', file, '--host', '127.0.0.1', '--port', String(port), '-d', 'metrics', '--precision', 's', '--batch-points', '10', '--no-progress', '-u', 'ann', '-p', 'secret']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^imported 25 points in 3 requests/);
  t.deepEqual(
    received.map((r) => [r.method, r.url.pathname, r.url.searchParams.get('db'), r.url.searchParams.get('precision'), r.url.searchParams.get('u'), r.url.searchParams.get('p')]),
    Array.from({ length: 3 }, () => ['POST', '/write', 'metrics', 's', 'ann', 'secret']),
  );
  t.true(received.every((r) => r.contentType === 'text/plain; charset=utf-8'));
  t.deepEqual(received.map((r) => r.body), [lines.slice(0, 10).join('\n'), lines.slice(10, 20).join('\n'), lines.slice(20).join('\n')]);
});
