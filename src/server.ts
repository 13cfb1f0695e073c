import uWS from 'uWebSockets.js';
import { listenAdmin } from './admin/admin-server.js';
import { ADMIN_ASSETS_DIR, loadStaticAssets, type StaticAsset } from './admin/static-assets.js';
import { defaultShardCount, storesData, type Settings } from './config.js';
import { assertNativeUws, createApp } from './http/app.js';
import { Authenticator } from './http/auth.js';
import { LoginThrottle } from './http/login-throttle.js';
import type { ServerContext } from './http/context.js';
import { listenExclusive } from './http/listen.js';
import { IngestService } from './ingest/ingest-service.js';
import { StatementPreparer } from './ingest/statement-preparer.js';
import { clockFromEnvironment } from './lifecycle/clock.js';
import { ContinuousQueries } from './lifecycle/continuous-queries.js';
import { DeleteScheduler } from './schedule/delete-scheduler.js';
import { PeriodicQueries } from './schedule/periodic-queries.js';
import type { Logger } from './log.js';
import { MetaStore } from './meta/meta-store.js';
import { startInputs, type Inputs } from './inputs/inputs.js';
import { Metrics } from './metrics/metrics.js';
import { PasswordVerifier } from './meta/passwords.js';
import { QueryCoordinator } from './coordinator/coordinator.js';
import { openLayout } from './storage/layout.js';
import { Storage } from './shards/storage.js';
import { DataDirLock } from './util/data-dir-lock.js';
import { ByteBudget } from './util/byte-budget.js';
import { StartupError } from './startup-error.js';
import type { NatsConnection } from 'nats';
import { checkClusterMarker } from './cluster/cluster-marker.js';
import type { ClusterNode } from './cluster/cluster-node.js';

type ClusterRuntime = typeof import('./cluster/cluster-runtime.js');

/** A cluster-mode start's connection and the modules that use it (loaded only then). */
interface ClusterLink {
  readonly nats: NatsConnection;
  readonly runtime: ClusterRuntime;
}

export interface RunningServer {
  readonly port: number;
  /** The admin page's port; undefined when it is off. */
  readonly adminPort: number | undefined;
  /** The data directory's shard count, which may differ from the default. */
  readonly shards: number;
  /** Stop accepting, finish in-flight requests, flush every shard. */
  stop(): Promise<void>;
}

export async function startServer(settings: Settings, log: Logger): Promise<RunningServer> {
  assertNativeUws();
  // Held before anything in the directory is read or written, for as long as the process lives.
  const lock = DataDirLock.acquire(settings.dataDir);
  try {
    return await openAndListen(settings, log, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function openAndListen(settings: Settings, log: Logger, lock: DataDirLock): Promise<RunningServer> {
  // Read before anything opens, so a missing build stops the start at once.
  const admin = settings.adminPort === 'off' ? undefined : { port: settings.adminPort, assets: loadStaticAssets(ADMIN_ASSETS_DIR) };
  checkClusterMarker(settings.dataDir, settings.clusterNats === undefined ? undefined : { name: settings.clusterName, node: settings.clusterNodeId });
  const runtime = settings.clusterNats === undefined ? undefined : await import('./cluster/cluster-runtime.js');
  const link = runtime && { nats: await runtime.connectToCluster(settings), runtime };
  try {
    return await openEngine(settings, log, lock, admin, link);
  } catch (err) {
    await link?.nats.close();
    throw err;
  }
}

async function openEngine(
  settings: Settings,
  log: Logger,
  lock: DataDirLock,
  admin: { port: number; assets: ReadonlyMap<string, StaticAsset> } | undefined,
  link: ClusterLink | undefined,
): Promise<RunningServer> {
  const clusterState = link && (await link.runtime.ClusterState.open(link.nats, settings));
  // In a cluster, every node's shards are the cluster's partitions.
  const shards = clusterState ? await clusterState.agreePartitions(settings.shards ?? defaultShardCount()) : settings.shards;
  if (settings.shards !== undefined && shards !== settings.shards) {
    throw new StartupError(`the cluster has ${shards} partitions, and shards is set to ${settings.shards}: leave shards unset or set it to ${shards}`);
  }
  const layout = openLayout(settings.dataDir, shards, defaultShardCount(), log);
  const meta = await openMeta(settings, log, link);
  // Read before the shard threads start: a bad setting must not leave them running.
  const clock = clockFromEnvironment(process.env);
  // A cluster's front end only opens no shard: its partitions' owners answer for them.
  const storage = await Storage.open(settings, layout, meta.listDatabases(), storesData(settings));
  let cluster: ClusterNode | undefined;
  try {
    cluster = link && clusterState && (await link.runtime.ClusterNode.start(link.nats, clusterState, settings, storage, meta, log.child({ component: 'cluster' })));
  } catch (err) {
    await storage.close();
    throw err;
  }
  const continuousQueries = new ContinuousQueries(meta, clock, log.child({ component: 'continuous-queries' }));
  const ingest = new IngestService(meta, storage, settings, (db) => continuousQueries.fanOuts(db), cluster);
  const statements = new StatementPreparer((text) => ingest.parseStatement(text));
  const scheduler = new DeleteScheduler(meta, storage, clock, log.child({ component: 'scheduled-deletes' }));
  scheduler.start();
  const periodic = new PeriodicQueries(meta, storage, continuousQueries, clock, log.child({ component: 'continuous-queries' }), cluster);
  periodic.start();
  const closeEngine = async (): Promise<void> => {
    await Promise.all([scheduler.stop(), periodic.stop()]);
    await ingest.close();
    await cluster?.stop();
    await storage.close();
    await meta.close();
    await link?.nats.close();
  };
  const wholeAnswers = new ByteBudget(settings.wholeAnswerBytes);
  const context: ServerContext = {
    settings,
    meta,
    storage,
    ingest,
    queries: new QueryCoordinator(meta, storage, continuousQueries, wholeAnswers),
    statements,
    continuousQueries,
    auth: new Authenticator(meta, new PasswordVerifier(), new LoginThrottle(settings.loginFailureDelayMs)),
    log,
    metrics: new Metrics(storage, ingest, cluster),
    wholeAnswers,
  };
  const inFlight = new Set<Promise<void>>();
  const listenSockets: uWS.us_listen_socket[] = [];
  let inputs: Inputs | undefined;
  try {
    await ingest.ready;
    // Stored continuous queries are parsed now, on the parse threads when long, not by the
    // first write or period that needs them.
    await continuousQueries.prepareStored((text) => statements.prepare(text));
    inputs = await startInputs(settings, ingest, context.metrics, log);
    listenSockets.push(await listenExclusive(createApp(context, inFlight), settings.bind, settings.port));
    if (admin) listenSockets.push(await listenAdmin(admin.assets, settings.bind, admin.port));
  } catch (err) {
    for (const socket of listenSockets) uWS.us_listen_socket_close(socket);
    await inputs?.close();
    await closeEngine();
    throw err;
  }
  const [apiSocket, adminSocket] = listenSockets as [uWS.us_listen_socket, uWS.us_listen_socket?];
  return {
    port: uWS.us_socket_local_port(apiSocket),
    adminPort: adminSocket && uWS.us_socket_local_port(adminSocket),
    shards: layout.shards,
    async stop() {
      for (const socket of listenSockets) uWS.us_listen_socket_close(socket);
      await Promise.allSettled([...inFlight]);
      await inputs.close();
      await closeEngine();
      lock.release();
    },
  };
}

/** meta.json on a single node; in cluster mode, the shared KV bucket every node watches. */
async function openMeta(settings: Settings, log: Logger, link: ClusterLink | undefined): Promise<MetaStore> {
  if (!link) return MetaStore.open(settings.dataDir, settings, log);
  const bucket = { bucket: `${settings.clusterName}-meta`, replicas: settings.clusterReplicas };
  return MetaStore.openShared((initial) => link.runtime.KvMetaBackend.open(link.nats, bucket, initial, log.child({ component: 'cluster-meta' })), settings);
}
