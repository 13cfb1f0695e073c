/**
 * Starts the real server (`dist/bundle/src/main.js`, what `npm start` runs) as a child process
 * for end-to-end tests and benchmarks. Every process and temporary data directory made here
 * is tracked, so a test file can release everything with `test.after.always(cleanupServers)`
 * and nothing outlives the test process even when ava kills it on a timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_LOG_LIMIT } from './nats-cluster.js';

/** The repository root, found from this file's place in `dist/test/helpers/`. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const serverEntry = path.join(repoRoot, 'dist', 'bundle', 'src', 'main.js');

// Generous: three test files start servers at once, and a slow machine under that load took
// more than 20 s for a cluster node to come up (CI machines vary).
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_BYTES = 64 * 1024;

export interface StartOptions {
  /** Reuse this data directory (it is then never deleted by the cleanup). */
  readonly dataDir?: string;
  /** Extra command-line arguments, e.g. `['--max-body-size', '1024']`. */
  readonly args?: readonly string[];
  /** Another build's server bundle to run instead of this checkout's (bench/query-pair.ts). */
  readonly entry?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  /**
   * Run the server through this command, e.g. `['strace', '-f', '-o', file]`. Signals then go
   * to the server itself (its pid is taken from its log), since a wrapper may ignore them.
   */
  readonly wrapper?: readonly string[];
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TestServer {
  readonly port: number;
  /** The admin page's port, when started with `--admin-port 0` (the helper turns it off otherwise). */
  readonly adminPort: number | undefined;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** The server's own pid (not the wrapper's). */
  readonly pid: number;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<ExitStatus>;
  /** The last few kilobytes of stdout and stderr, for failure messages. */
  output(): string;
  /** SIGTERM, then wait for the exit; resolves to the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL, then wait for the exit: a crash as far as the data directory is concerned. */
  kill9(): Promise<void>;
}

const liveProcesses = new Set<ChildProcess>();
/** Servers started through a wrapper: killing the wrapper could leave them running. */
const wrappedServerPids = new Set<number>();
const ownedDataDirs = new Set<string>();

class OutputTail {
  private text = '';
  append(label: string, chunk: string): void {
    this.text += chunk.replace(/^(?=.)/gm, `[${label}] `);
    if (this.text.length > OUTPUT_TAIL_BYTES) this.text = this.text.slice(-OUTPUT_TAIL_BYTES);
  }
  toString(): string {
    return this.text;
  }
}

/** Finds the port in the server's `"msg":"listening"` log line, if this is that line. */
function listeningPort(line: string): number | undefined {
  if (!line.includes('"listening"')) return undefined;
  try {
    const record: unknown = JSON.parse(line);
    if (typeof record === 'object' && record !== null) {
      const { msg, port } = record as { msg?: unknown; port?: unknown };
      if (msg === 'listening' && typeof port === 'number') return port;
    }
  } catch {
    // Not JSON after all: fall through to the plain-text search below.
  }
  const match = /"port"\s*:\s*(\d+)/.exec(line);
  return match ? Number(match[1]) : undefined;
}

/** The admin page's port in the "listening" line, when the server serves it. */
function listeningAdminPort(line: string): number | undefined {
  const match = /"adminPort"\s*:\s*(\d+)/.exec(line);
  return match ? Number(match[1]) : undefined;
}

function watchExit(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

const clusterNames = new Map<string, string>();

/** The NATS servers and cluster name a test's server joins. */
interface TestCluster {
  readonly nats: string;
  readonly name: string;
}

/**
 * With `SLUICE_TEST_CLUSTER_NATS` set to NATS URLs, every server a test starts is a cluster-mode
 * node of a cluster of its own (a restart on the same data directory rejoins it): the
 * single-node suite then runs against cluster nodes. With `SLUICE_TEST_CLUSTER_FRONT_END=1`
 * too, that node is a front end only, and each cluster also has an owner node that stores
 * every partition, started before the front end's first start and kept running across its
 * restarts: every request then goes through a node that holds none of the data
 * (`scripts/front-end-suite.ts`).
 */
function clusterOf(dataDir: string, args: readonly string[] | undefined): TestCluster | undefined {
  const nats = process.env.SLUICE_TEST_CLUSTER_NATS;
  if (!nats || args?.includes('--cluster-nats')) return undefined;
  if (!clusterNames.has(dataDir)) clusterNames.set(dataDir, `t${process.pid}-${clusterNames.size}`);
  return { nats, name: clusterNames.get(dataDir)! };
}

const OWNER_NODE_ID = 'owner';
const frontEndsOnly = (): boolean => process.env.SLUICE_TEST_CLUSTER_FRONT_END === '1';

function clusterNodeArgs(cluster: TestCluster, nodeId: string): string[] {
  const placement = frontEndsOnly() ? ['--cluster-nodes', OWNER_NODE_ID] : [];
  return ['--cluster-nats', cluster.nats, '--cluster-name', cluster.name, '--cluster-node-id', nodeId, ...placement, '--cluster-replicas', '1', ...TEST_LOG_LIMIT];
}

/** Owner nodes started for front ends, by cluster name: one each, for the whole test process. */
const ownerNodes = new Map<string, Promise<TestServer>>();

/** The cluster's owner node, started once with the test's settings (they may bound storage as well as requests). */
function ensureOwner(cluster: TestCluster, options: StartOptions): Promise<TestServer> {
  let owner = ownerNodes.get(cluster.name);
  if (owner === undefined) {
    owner = startServer({ ...options, dataDir: undefined, wrapper: undefined, args: [...(options.args ?? []), ...clusterNodeArgs(cluster, OWNER_NODE_ID)] });
    ownerNodes.set(cluster.name, owner);
  }
  return owner;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const entry = options.entry ?? serverEntry;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  }
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sluice-test-')));
  if (options.dataDir === undefined) ownedDataDirs.add(dataDir);
  const cluster = clusterOf(dataDir, options.args);
  if (cluster !== undefined && frontEndsOnly()) await ensureOwner(cluster, options);

  // The admin page is off unless a test asks for it: its default port would be shared by every test server.
  const args = [entry, '--port', '0', '--admin-port', 'off', '--bind', '127.0.0.1', '--data-dir', dataDir, ...(options.args ?? []), ...(cluster === undefined ? [] : clusterNodeArgs(cluster, 'a'))];
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  const exited = watchExit(child);
  void exited.then(() => liveProcesses.delete(child));

  const tail = new OutputTail();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => tail.append('stderr', chunk));
  child.stdout!.setEncoding('utf8');

  let serverPid = child.pid!;
  let adminPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    let partialLine = '';
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const failWith = (reason: string): Error =>
      new Error(`server ${reason}\ncommand: node ${args.join(' ')}\n--- output ---\n${tail.toString()}`);

    // A cluster node creates its streams and buckets at its first start: give it longer.
    const timeoutMs = Math.max(options.startTimeoutMs ?? START_TIMEOUT_MS, process.env.SLUICE_TEST_CLUSTER_NATS ? 90_000 : 0);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(failWith(`did not log "listening" within ${timeoutMs} ms`)));
    }, timeoutMs);

    // Keep draining stdout for the whole life of the process: a full pipe would block its logger.
    child.stdout!.on('data', (chunk: string) => {
      tail.append('stdout', chunk);
      if (settled) return;
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const found = listeningPort(line);
        if (found === undefined) continue;
        adminPort = listeningAdminPort(line);
        if (options.wrapper !== undefined) {
          serverPid = Number(/"pid"\s*:\s*(\d+)/.exec(line)?.[1]);
          wrappedServerPids.add(serverPid);
          void exited.then(() => wrappedServerPids.delete(serverPid));
        }
        settle(() => resolve(found));
      }
    });
    child.once('error', (error) => settle(() => reject(failWith(`could not be spawned: ${error.message}`))));
    void exited.then(({ code, signal }) =>
      settle(() => reject(failWith(`exited before listening (code ${code}, signal ${signal})`))),
    );
  });

  const signalServer = (signal: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (options.wrapper === undefined) child.kill(signal);
    else killQuietly(serverPid, signal);
  };

  const stop = async (): Promise<number | null> => {
    signalServer('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      signalServer('SIGKILL');
      await exited;
      throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n--- output ---\n${tail.toString()}`);
    }
    // A failed stop is asserted by the caller; its cause is only in the server's own output.
    if (outcome.code !== 0) {
      process.stderr.write(`server stopped with code ${outcome.code}, signal ${outcome.signal}\n--- output ---\n${tail.toString()}\n`);
    }
    return outcome.code;
  };

  const kill9 = async (): Promise<void> => {
    signalServer('SIGKILL');
    await exited;
  };

  return {
    port,
    adminPort,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    process: child,
    pid: serverPid,
    exited,
    output: () => tail.toString(),
    stop,
    kill9,
  };
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Kills every server started by this process and deletes the data directories it created. */
export async function cleanupServers(): Promise<void> {
  ownerNodes.clear();
  for (const pid of wrappedServerPids) killQuietly(pid, 'SIGKILL');
  const exits = [...liveProcesses].map((child) => {
    const done = watchExit(child);
    child.kill('SIGKILL');
    return done;
  });
  await Promise.all(exits);
  await Promise.all([...ownedDataDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  ownedDataDirs.clear();
}

/** Synchronous last resort for exits that skip `cleanupServers`. */
function cleanupNow(): void {
  for (const pid of wrappedServerPids) killQuietly(pid, 'SIGKILL');
  for (const child of liveProcesses) child.kill('SIGKILL');
  for (const dir of ownedDataDirs) rmSync(dir, { recursive: true, force: true });
}

process.once('exit', cleanupNow);
// ava ends a timed-out test file with SIGTERM, which skips 'exit' handlers: clean up, then let
// the signal take its default course.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    cleanupNow();
    process.kill(process.pid, signal);
  });
}
