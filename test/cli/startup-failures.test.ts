/**
 * Start-up as an operator meets it: every refusal is one line on stderr that says what to
 * change, with a non-zero exit code; --help and --version print and exit 0.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { runCli, serverEntry, type CliResult } from '../helpers/cli.js';
import { cleanupServers, repoRoot, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

let scratch: string;
test.before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-startup-'));
});
test.after.always(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function serve(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  return runCli(serverEntry, ['--port', '0', '--bind', '127.0.0.1', '--data-dir', path.join(scratch, 'data'), ...args], { env, timeoutMs: 20_000 });
}

/** The failure's stderr, asserted to be exactly one line and the exit code non-zero. */
function oneLineRefusal(t: { true(value: boolean, message?: string): void; is(a: unknown, b: unknown, message?: string): void }, result: CliResult): string {
  t.true(result.code !== null && result.code !== 0, `exit code ${result.code}, signal ${result.signal}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  t.is(lines.length, 1, `stderr is one line:\n${result.stderr}`);
  t.true(!/\n\s+at /.test(result.stdout + result.stderr), `no stack trace:\n${result.stdout}${result.stderr}`);
  return lines[0] ?? '';
}

test('an unknown log level is refused naming the valid levels, from a flag, the environment or the config file', async (t) => {
  const valid = 'expected one of trace, debug, info, warn, error, fatal, silent, got loud';
  t.is(oneLineRefusal(t, await serve(['--log-level', 'loud'])), `sluice: --log-level: ${valid}`);
  t.is(oneLineRefusal(t, await serve([], { SLUICE_LOG_LEVEL: 'loud' })), `sluice: SLUICE_LOG_LEVEL: ${valid}`);
  const config = path.join(scratch, 'loud.toml');
  await writeFile(config, 'log_level = "loud"\n');
  t.is(oneLineRefusal(t, await serve(['--config', config])), `sluice: ${config}: log_level: ${valid}`);
});

test('--help prints the usage on stdout and nothing on stderr, and exits 0', async (t) => {
  const result = await serve(['--help']);
  t.is(result.code, 0);
  t.is(result.stderr, '');
  t.regex(result.stdout, /^Usage: sluice \[options\]/);
  t.regex(result.stdout, /--log-level <level>/);
});

test('--version prints the package version', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const result = await serve(['--version']);
  t.is(result.code, 0);
  t.is(result.stdout, `${version}\n`);
  t.is(result.stderr, '');
});

test('a file where the data directory should be is one line naming it', async (t) => {
  const file = path.join(scratch, 'a-file');
  await writeFile(file, 'not a directory');
  for (const dataDir of [file, path.join(file, 'data')]) {
    const line = oneLineRefusal(t, await serve(['--data-dir', dataDir]));
    t.is(line, `sluice: cannot use data directory ${dataDir}: a file is in the way at ${file}; set --data-dir to a directory this process may create and write`);
  }
});

test('a data directory on a file system that refuses it is one line naming the path', async (t) => {
  // sysfs refuses new directories even to root, so this holds whoever runs the tests.
  const line = oneLineRefusal(t, await serve(['--data-dir', '/sys/sluice-test-data']));
  t.regex(line, /^sluice: cannot use data directory \/sys\/sluice-test-data: no permission to mkdir \/sys\/sluice-test-data; set --data-dir/);
});

test('a data directory under /proc is refused at once, not tried forever', async (t) => {
  // procfs answers ENOENT for a new directory whose parent exists; Node's recursive mkdir then
  // retried forever at 100 % CPU, and the server neither started nor said why.
  const result = await serve(['--data-dir', '/proc/sluice-test-data/data']);
  t.is(result.signal, null, 'the server ended by itself, not by the timeout');
  const line = oneLineRefusal(t, result);
  t.is(line, 'sluice: cannot use data directory /proc/sluice-test-data/data: the file system will not create /proc/sluice-test-data; set --data-dir to a directory this process may create and write');
});

test('a bad flag and a data directory in use are one line each too', async (t) => {
  t.is(oneLineRefusal(t, await serve(['--port', 'eighty'])), 'sluice: --port: expected an integer from 0 to 65535, got eighty');
  t.is(oneLineRefusal(t, await serve(['--colour'])), "sluice: unknown option '--colour'");
  const running = await startServer();
  const inUse = await runCli(serverEntry, ['--port', '0', '--bind', '127.0.0.1', '--data-dir', running.dataDir]);
  t.regex(oneLineRefusal(t, inUse), /^sluice: data directory .* is in use by another Sluice process \(pid \d+\)/);
  await running.stop();
});

test('a Graphite or UDP port in use is one line naming the input and the port', async (t) => {
  const tcp = net.createServer();
  await new Promise<void>((resolve) => tcp.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind({ address: '127.0.0.1', port: 0 }, resolve));
  const tcpPort = (tcp.address() as net.AddressInfo).port;
  const udpPort = udp.address().port;
  try {
    const graphite = await serve(['--admin-port', 'off', '--graphite-port', String(tcpPort), '--graphite-database', 'g']);
    t.is(oneLineRefusal(t, graphite), `sluice: cannot listen on 127.0.0.1:${tcpPort} for the Graphite input: port ${tcpPort} is in use by another process (EADDRINUSE)`);
    const udpTaken = await serve(['--admin-port', 'off', '--udp-port', String(udpPort), '--udp-database', 'u']);
    t.is(oneLineRefusal(t, udpTaken), `sluice: cannot listen on 127.0.0.1:${udpPort} for the UDP input: port ${udpPort} is in use by another process (EADDRINUSE)`);
  } finally {
    tcp.close();
    udp.close();
  }
});
