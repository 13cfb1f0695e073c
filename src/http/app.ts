import uWS from 'uWebSockets.js';
import type { Handler, ServerContext } from './context.js';
import { Exchange } from './exchange.js';
import { requestHeadError } from './request-head.js';
import { Router } from './router.js';
import {
  acceptShardChange,
  acceptShardSpace,
  createDatabaseConfig,
  dropShardSpace,
  forceCompaction,
  listServers,
  listShards,
  listShardSpaces,
  migrateData,
  removeServer,
  sync,
} from './routes/cluster.js';
import { authenticateClusterAdmin, changeClusterAdminPassword, createClusterAdmin, deleteClusterAdmin, listClusterAdmins } from './routes/cluster-admins.js';
import {
  authenticateDatabaseUser,
  createDatabaseAdmin,
  createDatabaseUser,
  deleteDatabaseAdmin,
  deleteDatabaseUser,
  getDatabaseUser,
  listDatabaseAdmins,
  listDatabaseUsers,
  updateDatabaseAdmin,
  updateDatabaseUser,
} from './routes/database-users.js';
import { createDatabase, dropDatabase, listDatabases } from './routes/databases.js';
import { interfaces } from './routes/interfaces.js';
import { ping } from './routes/ping.js';
import { metrics } from './routes/metrics.js';
import { createContinuousQuery, dropContinuousQuery, listContinuousQueries } from './routes/continuous-queries.js';
import { createScheduledDelete, listScheduledDeletes, removeScheduledDelete } from './routes/scheduled-deletes.js';
import { deleteSeriesRange, dropSeries } from './routes/series-delete.js';
import { querySeries } from './routes/series-query.js';
import { writeSeries } from './routes/series-write.js';
import { writeLines } from './routes/line-write.js';

export function buildRouter(): Router<Handler> {
  return new Router<Handler>()
    .add('GET', '/ping', ping)
    .add('GET', '/interfaces', interfaces)
    .add('GET', '/metrics', metrics)
    .add('GET', '/db', listDatabases)
    .add('POST', '/db', createDatabase)
    .add('DELETE', '/db/:name', dropDatabase)
    .add('GET', '/db/:db/series', querySeries)
    .add('POST', '/db/:db/series', writeSeries)
    .add('POST', '/write', writeLines)
    .add('GET', '/cluster_admins', listClusterAdmins)
    .add('POST', '/cluster_admins', createClusterAdmin)
    .add('GET', '/cluster_admins/authenticate', authenticateClusterAdmin)
    .add('POST', '/cluster_admins/:user', changeClusterAdminPassword)
    .add('DELETE', '/cluster_admins/:user', deleteClusterAdmin)
    .add('GET', '/db/:db/authenticate', authenticateDatabaseUser)
    .add('GET', '/db/:db/users', listDatabaseUsers)
    .add('POST', '/db/:db/users', createDatabaseUser)
    .add('GET', '/db/:db/users/:user', getDatabaseUser)
    .add('POST', '/db/:db/users/:user', updateDatabaseUser)
    .add('DELETE', '/db/:db/users/:user', deleteDatabaseUser)
    .add('GET', '/db/:db/admins', listDatabaseAdmins)
    .add('POST', '/db/:db/admins', createDatabaseAdmin)
    .add('POST', '/db/:db/admins/:user', updateDatabaseAdmin)
    .add('DELETE', '/db/:db/admins/:user', deleteDatabaseAdmin)
    .add('GET', '/sync', sync)
    .add('POST', '/raft/force_compaction', forceCompaction)
    .add('GET', '/cluster/servers', listServers)
    .add('DELETE', '/cluster/servers/:id', removeServer)
    .add('GET', '/cluster/shards', listShards)
    .add('POST', '/cluster/shards', acceptShardChange)
    .add('DELETE', '/cluster/shards/:id', acceptShardChange)
    .add('GET', '/cluster/shard_spaces', listShardSpaces)
    .add('POST', '/cluster/shard_spaces/:db', acceptShardSpace)
    .add('POST', '/cluster/shard_spaces/:db/:name', acceptShardSpace)
    .add('DELETE', '/cluster/shard_spaces/:db/:name', dropShardSpace)
    .add('POST', '/cluster/database_configs/:db', createDatabaseConfig)
    .add('POST', '/cluster/migrate_data', migrateData)
    .add('DELETE', '/db/:db/series', deleteSeriesRange)
    .add('DELETE', '/db/:db/series/:series', dropSeries)
    .add('POST', '/db/:db/scheduled_deletes', createScheduledDelete)
    .add('GET', '/db/:db/scheduled_deletes', listScheduledDeletes)
    .add('DELETE', '/db/:db/scheduled_deletes/:id', removeScheduledDelete)
    .add('GET', '/db/:db/continuous_queries', listContinuousQueries)
    .add('POST', '/db/:db/continuous_queries', createContinuousQuery)
    .add('DELETE', '/db/:db/continuous_queries/:id', dropContinuousQuery);
}

/** uWS loads a slow JavaScript fallback when its native binary fails; we refuse to run on it. */
export function assertNativeUws(): void {
  if (!Function.prototype.toString.call(uWS.App).includes('[native code]')) {
    throw new Error(
      'uWebSockets.js could not load its native binary for this platform and Node.js version ' +
        `(${process.platform}-${process.arch}, ABI ${process.versions.modules}); refusing to start on its slow JavaScript fallback.`,
    );
  }
}

export function createApp(server: ServerContext, inFlight: Set<Promise<void>>): uWS.TemplatedApp {
  const router = buildRouter();
  return uWS.App().any('/*', (res, req) => {
    const exchange = new Exchange(res, req, server.wholeAnswers);
    const headError = requestHeadError(exchange.method, exchange.path, exchange.rawQuery, exchange.headers);
    if (headError) return exchange.error(headError);
    const route = router.resolve(exchange.method, exchange.path);
    switch (route.kind) {
      case 'not-found':
        return exchange.bare(404, '404 page not found');
      case 'bad-escape':
        // Go's server refused such a path before any handler ran.
        return exchange.bare(400, 'invalid URL escape');
      case 'method-not-allowed':
        return exchange.bare(405, 'Method Not Allowed', { Allow: route.allow });
      case 'options':
        return exchange.empty(200);
      case 'found':
        break;
    }
    exchange.params = route.match.params;
    const work = run(route.match.handler, exchange, server);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
}

async function run(handler: Handler, exchange: Exchange, server: ServerContext): Promise<void> {
  const started = performance.now();
  try {
    await handler(exchange, server);
  } catch (err) {
    if (!(err instanceof Error) || !('status' in err)) server.log.error({ err, path: exchange.path }, 'request failed');
    // The client sees only the error's text at the end of the answer: the log says it happened.
    else if (exchange.streamed) server.log.warn({ err: err.message, status: err.status, path: exchange.path }, 'a streamed answer failed after it began');
    exchange.error(err);
  }
  // In flight until the answer is out, so a graceful stop waits for a body still compressing.
  await exchange.sent;
  server.metrics.observeRequest(handler.name, exchange.method, (performance.now() - started) / 1000);
}
