/**
 * Starts Debian's `nats-server` as a local JetStream cluster on loopback, for the cluster-mode
 * tests and benches: each node has its own store directory, client port and route port, and
 * every process made here is tracked so `stopNatsClusters` releases them all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type JetStreamManager } from 'nats';
import { freePort, onFreePorts } from './free-port.js';

const READY_TIMEOUT_MS = 20_000;

export interface NatsNode {
  readonly name: string;
  readonly clientPort: number;
  readonly url: string;
  /** The running process's pid (undefined while stopped). */
  readonly pid: number | undefined;
  /**
   * Start the node again with its store directory and ports, after a stop or a kill; resolves
   * once every running node of its cluster routes to every other and they name one metadata leader.
   */
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

/** How long a (re)started cluster may take to route every node to every other and elect a metadata leader. */
const FORMED_TIMEOUT_MS = 40_000;
/**
 * A running node still without a route to another running one this long is restarted.
 * nats-server 2.9.10 closes both of two routes two servers open to each other at once as
 * duplicates now and then, and neither side dials again: the pair stays apart, and the
 * metadata leader then refuses every new replicated stream ("no suitable peers for placement,
 * miscellaneous issue"), as a CI run saw after all three servers were restarted together.
 */
const ROUTE_MISSING_RESTART_MS = 5_000;

/** The parts of nats-server's monitoring answers (`/varz`, `/routez`, `/jsz`) read here. */
interface Varz {
  readonly server_id: string;
}
interface Routez {
  readonly routes?: readonly { readonly remote_id: string }[];
}
interface Jsz {
  readonly meta_cluster?: { readonly leader?: string };
}

interface NodeState {
  readonly serverId: string;
  readonly routedTo: ReadonlySet<string>;
  readonly metaLeader: string | undefined;
}

class NatsProcess implements NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly monitorPort: number,
    private readonly args: readonly string[],
    private readonly formed: () => Promise<void>,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** The end of what the process printed, for a failure's message. */
  get recentOutput(): string {
    return this.output;
  }

  /** Starts the process, then waits until its cluster has formed again around it. */
  async start(): Promise<void> {
    await this.spawnUntilReady();
    await this.formed();
  }

  async spawnUntilReady(): Promise<void> {
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

  /** What the node's monitoring endpoint says of its routes and metadata leader; undefined while it does not answer. */
  async state(): Promise<NodeState | undefined> {
    try {
      const get = async <T>(endpoint: string): Promise<T> => (await fetch(`http://127.0.0.1:${this.monitorPort}/${endpoint}`, { signal: AbortSignal.timeout(2_000) })).json() as Promise<T>;
      const [varz, routez, jsz] = await Promise.all([get<Varz>('varz'), get<Routez>('routez'), get<Jsz>('jsz')]);
      return { serverId: varz.server_id, routedTo: new Set((routez.routes ?? []).map((route) => route.remote_id)), metaLeader: jsz.meta_cluster?.leader || undefined };
    } catch {
      return undefined;
    }
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

/**
 * Until every running node answers, routes to every other running node and names the same
 * metadata leader; a node missing a route for ROUTE_MISSING_RESTART_MS is restarted.
 */
async function untilFormed(nodes: readonly NatsProcess[], clustered: boolean): Promise<void> {
  const deadline = Date.now() + FORMED_TIMEOUT_MS;
  const missingSince = new Map<NatsProcess, number>();
  for (;;) {
    const running = nodes.filter((node) => node.pid !== undefined);
    const states = await Promise.all(running.map((node) => node.state()));
    const ids = states.map((state) => state?.serverId);
    const leaders = new Set(states.map((state) => state?.metaLeader));
    let formed = states.every((state) => state !== undefined) && (!clustered || (leaders.size === 1 && !leaders.has(undefined)));
    for (const [i, node] of running.entries()) {
      const state = states[i];
      const unrouted = state !== undefined && ids.some((id, j) => j !== i && id !== undefined && !state.routedTo.has(id));
      if (!unrouted) {
        missingSince.delete(node);
        continue;
      }
      formed = false;
      const since = missingSince.get(node) ?? Date.now();
      missingSince.set(node, since);
      if (Date.now() - since >= ROUTE_MISSING_RESTART_MS) {
        missingSince.delete(node);
        await node.stop();
        await node.spawnUntilReady();
      }
    }
    if (formed) return;
    if (Date.now() > deadline) {
      const described = running.map((node, i) => `${node.name}: ${JSON.stringify(states[i] && { ...states[i], routedTo: [...states[i]!.routedTo] })}\n${node.recentOutput.slice(-2_000)}`);
      throw new Error(`the NATS cluster did not form within ${FORMED_TIMEOUT_MS} ms\n${described.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
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
  const monitorPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
    monitorPorts.push(await freePort());
  }
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  // A name of its own: a dead node's route port taken by another test file's server must not
  // merge the two clusters, which would happen under a shared name.
  const clusterName = `sluice-test-${path.basename(storeRoot).replace(/^sluice-nats-/, '')}`;
  let forming: Promise<void> | undefined;
  const formed = (): Promise<void> => (forming ??= untilFormed(nodes, size > 1).finally(() => (forming = undefined)));
  const nodes: NatsProcess[] = clientPorts.map((clientPort, i) => {
    const name = `n${i + 1}`;
    const clusterArgs = size > 1 ? ['--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes] : [];
    const args = ['-n', name, '-a', '127.0.0.1', '-p', String(clientPort), '-m', String(monitorPorts[i]), '-js', '-sd', path.join(storeRoot, name), ...clusterArgs, ...extraArgs];
    return new NatsProcess(name, clientPort, monitorPorts[i]!, args, formed);
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
    await Promise.all(nodes.map((n) => n.spawnUntilReady()));
    await formed();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

export async function stopNatsClusters(): Promise<void> {
  await Promise.all([...liveClusters].map((c) => c.stop()));
}

/**
 * The server leading a stream's Raft group: killing it stalls the stream's writes until its
 * other servers elect a leader, the worst one server's death does to them (a follower's death
 * stalls nothing). A KV bucket's stream is `KV_<bucket>`, an object store's `OBJ_<bucket>`.
 */
export function streamLeader(cluster: NatsCluster, stream: string): Promise<NatsNode> {
  return leaderOf(cluster, `${stream}'s stream`, async (jsm) => (await jsm.streams.info(stream)).cluster?.leader);
}

/** The server leading the Raft group of a stream's first consumer (the one a partition's owner reads through). */
export function consumerLeader(cluster: NatsCluster, stream: string): Promise<NatsNode> {
  return leaderOf(cluster, `${stream}'s consumer`, async (jsm) => (await jsm.consumers.list(stream).next())[0]?.cluster?.leader);
}

async function leaderOf(cluster: NatsCluster, what: string, leaderName: (jsm: JetStreamManager) => Promise<string | undefined>): Promise<NatsNode> {
  const nc = await connect({ servers: cluster.urls.split(',') });
  try {
    const name = await leaderName(await nc.jetstreamManager());
    const leader = cluster.nodes.find((node) => node.name === name);
    if (leader === undefined) throw new Error(`no leader found for ${what} (${String(name)})`);
    return leader;
  } finally {
    await nc.close();
  }
}
