import uWS from 'uWebSockets.js';
import type { Handler, ServerContext } from './context.js';
import { Exchange } from './exchange.js';
import { requestHeadError } from './request-head.js';
import { Router } from './router.js';
import { createDatabase, dropDatabase, listDatabases } from './routes/databases.js';
import { ping } from './routes/ping.js';
import { createContinuousQuery, dropContinuousQuery, listContinuousQueries } from './routes/continuous-queries.js';
import { createScheduledDelete, listScheduledDeletes, removeScheduledDelete } from './routes/scheduled-deletes.js';
import { deleteSeriesRange, dropSeries } from './routes/series-delete.js';
import { querySeries } from './routes/series-query.js';
import { writeSeries } from './routes/series-write.js';

export function buildRouter(): Router<Handler> {
  return new Router<Handler>()
    .add('GET', '/ping', ping)
    .add('GET', '/db', listDatabases)
    .add('POST', '/db', createDatabase)
    .add('DELETE', '/db/:name', dropDatabase)
    .add('GET', '/db/:db/series', querySeries)
    .add('POST', '/db/:db/series', writeSeries)
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
    const exchange = new Exchange(res, req);
    const headError = requestHeadError(exchange.method, exchange.path, exchange.rawQuery, exchange.headers);
    if (headError) return exchange.error(headError);
    const route = router.resolve(exchange.method, exchange.path);
    switch (route.kind) {
      case 'not-found':
        return exchange.bare(404, '404 page not found');
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
  try {
    await handler(exchange, server);
  } catch (err) {
    if (!(err instanceof Error) || !('status' in err)) server.log.error({ err, path: exchange.path }, 'request failed');
    exchange.error(err);
  }
  // In flight until the answer is out, so a graceful stop waits for a body still compressing.
  await exchange.sent;
}
