import uWS from 'uWebSockets.js';
import type { Settings } from './config.js';
import { assertNativeUws, createApp } from './http/app.js';
import { Authenticator } from './http/auth.js';
import type { ServerContext } from './http/context.js';
import { IngestService } from './ingest/ingest-service.js';
import type { Logger } from './log.js';
import { MetaStore } from './meta/meta-store.js';
import { PasswordVerifier } from './meta/passwords.js';
import { QueryCoordinator } from './query/coordinator.js';
import { Storage } from './storage/storage.js';

export interface RunningServer {
  readonly port: number;
  /** Stop accepting, finish in-flight requests, flush every shard. */
  stop(): Promise<void>;
}

export async function startServer(settings: Settings, log: Logger): Promise<RunningServer> {
  assertNativeUws();
  const meta = MetaStore.open(settings.dataDir, settings);
  const storage = await Storage.open(settings, meta.listDatabases());
  const ingest = new IngestService(meta, storage, settings);
  const context: ServerContext = {
    settings,
    meta,
    storage,
    ingest,
    queries: new QueryCoordinator(meta, storage),
    auth: new Authenticator(meta, new PasswordVerifier()),
    log,
  };
  const inFlight = new Set<Promise<void>>();
  const app = createApp(context, inFlight);
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(settings.bind, settings.port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${settings.bind}:${settings.port}`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);
  return {
    port,
    async stop() {
      uWS.us_listen_socket_close(listenSocket);
      await Promise.allSettled([...inFlight]);
      await ingest.close();
      await storage.close();
    },
  };
}
