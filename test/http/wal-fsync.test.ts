/**
 * With `--wal-fsync always` a write is acknowledged only after an fdatasync of its WAL file
 * that began after its record was written (DESIGN.md invariant 4). Checking what survives a
 * kill -9 cannot show this — the page cache survives a process crash — so the server runs
 * under strace, and the order of its system calls is read: for every acknowledgement
 * (`sendto` of `HTTP/1.1 200`), the WAL `pwritev` of that write, then an `fdatasync` of the
 * same file starting after it and returning before the `sendto`. strace stops each thread at
 * every traced call, so a call that causally follows another is also printed after it.
 * The same check run against `never` and `interval` must find acknowledgements without such
 * a sync: that is what shows the check can fail.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, request, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const WRITES = 20;

/** One traced system call: where it began and ended in the trace, what it touched. */
interface Call {
  readonly name: string;
  readonly target: string;
  readonly head: string;
  readonly begin: number;
  end: number;
}

/**
 * The calls of an `strace -f -y` output in order. A call interrupted by another thread's is
 * printed as `name(args <unfinished ...>` and later `<... name resumed>) = result`.
 */
function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const open = new Map<string, Call>();
  text.split('\n').forEach((line, index) => {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>/.exec(line);
    if (resumed) {
      const call = open.get(`${resumed[1]} ${resumed[2]}`);
      if (call) call.end = index;
      return;
    }
    const started = /^(\d+)\s+(\w+)\((?:\d+<([^>]*)>)?(.*)$/.exec(line);
    if (!started) return;
    const call: Call = { name: started[2]!, target: started[3] ?? '', head: started[4]!, begin: index, end: index };
    calls.push(call);
    if (line.endsWith('<unfinished ...>')) open.set(`${started[1]} ${call.name}`, call);
  });
  return calls;
}

/** The acknowledgements after the marker answer that no WAL fdatasync covers. */
function unsyncedAcks(calls: Call[]): number[] {
  const marker = calls.findIndex((c) => c.name === 'sendto' && c.head.includes('HTTP/1.1 404'));
  const after = calls.slice(marker + 1);
  const acks = after.filter((c) => c.name === 'sendto' && c.head.includes('HTTP/1.1 200'));
  const isWal = (c: Call): boolean => /\/wal-\d+\.log$/.test(c.target);
  const uncovered: number[] = [];
  acks.forEach((ack, i) => {
    const previousAck = i === 0 ? -1 : acks[i - 1]!.begin;
    const append = after.filter((c) => c.name === 'pwritev' && isWal(c) && c.end > previousAck && c.end < ack.begin).at(-1);
    const sync = append && after.find((c) => c.name === 'fdatasync' && c.target === append.target && c.begin > append.end && c.end < ack.begin);
    if (!sync) uncovered.push(i);
  });
  if (acks.length !== WRITES) throw new Error(`expected ${WRITES} acknowledgements in the trace, found ${acks.length}`);
  return uncovered;
}

/** Runs WRITES sequential writes with the given fsync policy under strace; returns the uncovered acks. */
async function traceWrites(policy: string): Promise<number[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-strace-'));
  const tracePath = path.join(dir, 'trace');
  try {
    const wrapper = ['strace', '-f', '--seccomp-bpf', '-y', '-s', '16', '-e', 'trace=pwritev,fdatasync,sendto', '-o', tracePath];
    const server = await startServer({ wrapper, args: ['--wal-fsync', policy, '--shards', '1'], startTimeoutMs: 60_000 });
    await createDb(server, 'synced');
    // A 404 marks where the writes begin in the trace.
    await request(server, 'GET', '/trace-marker');
    for (let i = 0; i < WRITES; i++) {
      await writeOk(server, 'synced', [{ name: 'cpu', columns: ['time', 'value'], points: [[1_400_000_000 + i, i]] }], { precision: 's' });
    }
    await server.stop();
    return unsyncedAcks(parseTrace(await readFile(tracePath, 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test.before((t) => {
  const probe = spawnSync('strace', ['-V']);
  if (probe.error) t.fail(`strace is needed to check fsync ordering (.ci/run installs it): ${probe.error.message}`);
});

test.serial('with --wal-fsync always every acknowledgement follows an fdatasync of its WAL record', async (t) => {
  t.deepEqual(await traceWrites('always'), [], 'acknowledgements (by index) sent before their record was synced');
});

test.serial('the same check catches acknowledgements sent before any fdatasync (never, interval)', async (t) => {
  t.is((await traceWrites('never')).length, WRITES, 'with never, no acknowledgement is covered');
  const interval = await traceWrites('interval');
  t.log(`interval: ${interval.length} of ${WRITES} acknowledgements precede their sync`);
  t.true(interval.length > 0, 'with interval, writes closer together than the interval are acknowledged unsynced');
});
