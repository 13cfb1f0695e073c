/** `sluice` and each of its subcommands explain themselves with --help, on stdout, exit 0. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { sluice } from '../helpers/cli.js';
import { repoRoot } from '../helpers/server.js';

const SUBCOMMANDS = ['serve', 'import', 'export', 'check', 'bench'];

test('sluice --help lists every subcommand', async (t) => {
  const result = await sluice(['--help']);
  t.is(result.code, 0);
  t.is(result.stderr, '');
  for (const name of SUBCOMMANDS) t.regex(result.stdout, new RegExp(`^  ${name}\\b`, 'm'));
});

for (const name of SUBCOMMANDS) {
  test(`sluice ${name} --help prints its usage`, async (t) => {
    const result = await sluice([name, '--help']);
    t.is(result.code, 0, result.stderr);
    t.is(result.stderr, '');
    // serve shares npm start's flags, so its usage is the server's own.
    t.regex(result.stdout, new RegExp(`^Usage: sluice ${name} `));
    if (name === 'serve') t.regex(result.stdout, /--data-dir <dir>/);
  });
}

test('sluice --version prints the package version; an unknown subcommand is refused', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  t.is((await sluice(['--version'])).stdout, `${version}\n`);
  const unknown = await sluice(['frobnicate']);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, "error: unknown command 'frobnicate'\n");
});

test('package.json names the sluice command, and its script starts with a node shebang', async (t) => {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const bin = manifest.bin?.sluice;
  t.is(bin, 'dist/src/cli/sluice.js');
  t.true((await readFile(path.join(repoRoot, bin!), 'utf8')).startsWith('#!/usr/bin/env node\n'));
});
