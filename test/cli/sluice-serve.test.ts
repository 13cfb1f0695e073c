/** `sluice serve` is the server `npm start` runs: same flags, same log, clean stop on SIGTERM. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sluiceEntry, startCli } from '../helpers/cli.js';

test('sluice serve listens with the given flags, answers /ping and stops on SIGTERM with exit 0', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-serve-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // Both ports ephemeral: the admin page's default, 8083, may belong to another server on the machine.
  const server = startCli(sluiceEntry, ['serve', '--port', '0', '--admin-port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--shards', '2']);
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    server.child.stdout!.on('data', (chunk: string) => {
      seen += chunk;
      const match = /"port":(\d+).*"msg":"listening"|"msg":"listening".*"port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1] ?? match[2]));
    });
    void server.result.then((r) => reject(new Error(`exited before listening: ${r.stderr}`)));
  });
  const ping = await fetch(`http://127.0.0.1:${port}/ping`);
  t.is(ping.status, 200);
  server.child.kill('SIGTERM');
  const result = await server.result;
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /"shards":2/);
});
