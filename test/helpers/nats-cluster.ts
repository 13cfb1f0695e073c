/**
 * Starts Debian's `nats-server` as a local JetStream cluster on loopback, for the cluster-mode
 * tests and benches: each node has its own store directory, client port and route port, and
 * every process made here is tracked so `stopNatsClusters` releases them all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, onFreePorts } from './free-port.js';

const READY_TIMEOUT_MS = 20_000;

export interface NatsNode {
  readonly name: string;
  readonly clientPort: number;
  readonly url: string;
  /** The running process's pid (undefined while stopped). */
  readonly pid: number | undefined;
  /** Start the node again with its store directory and ports, after a stop or a kill. */
  start(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL, comma-separated: the form `--cluster-nats` takes. */
  readonly urls: string;
  stop(): Promise<void>;
}

const liveClusters = new Set<NatsCluster>();

/**
 * For test nodes: JetStream reserves each stream's byte limit from its server's storage, so the
 * many small clusters of a test run each ask for a small log, not the default 1 GiB per partition.
 */
export const TEST_LOG_LIMIT: readonly string[] = ['--cluster-log-bytes', '64MiB'];

/** Fails with a clear message where `nats-server` is missing (`.ci/run` installs it from apt). */
export function assertNatsServer(): void {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error('nats-server is not installed: apt-get install nats-server');
}

class NatsProcess implements NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly name: string,
    readonly clientPort: number,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    const child = spawn('nats-server', [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${READY_TIMEOUT_MS} ms\n${this.output}`)), READY_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString('utf8')).slice(-16_384);
        if (this.output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      // nats-server logs to stderr; both are drained for the process's whole life.
      child.stderr!.on('data', onData);
      child.stdout!.on('data', onData);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited at start\n${this.output}`));
      });
    });
    await ready;
  }

  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
  }
}

/** `size` JetStream nodes routed to each other; resolves when every node is ready. `extraArgs` go to every node (e.g. `--user`). */
export async function startNatsCluster(size = 3, extraArgs: readonly string[] = []): Promise<NatsCluster> {
  assertNatsServer();
  // A node whose port was taken first fails the whole start: the cluster starts again on other ports.
  return onFreePorts(() => startOnFreePorts(size, extraArgs), 'address already in use');
}

async function startOnFreePorts(size: number, extraArgs: readonly string[]): Promise<NatsCluster> {
  const storeRoot = mkdtempSync(path.join(os.tmpdir(), 'sluice-nats-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  const nodes = clientPorts.map((clientPort, i) => {
    const name = `n${i + 1}`;
    const clusterArgs = size > 1 ? ['--cluster_name', 'sluice-test', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes] : [];
    return new NatsProcess(name, clientPort, ['-n', name, '-a', '127.0.0.1', '-p', String(clientPort), '-js', '-sd', path.join(storeRoot, name), ...clusterArgs, ...extraArgs]);
  });
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    async stop() {
      liveClusters.delete(cluster);
      await Promise.all(nodes.map((n) => n.kill9()));
      rmSync(storeRoot, { recursive: true, force: true });
    },
  };
  liveClusters.add(cluster);
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

export async function stopNatsClusters(): Promise<void> {
  await Promise.all([...liveClusters].map((c) => c.stop()));
}
