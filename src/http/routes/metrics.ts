import type { Handler } from '../context.js';

/** GET /metrics — Prometheus text format; unauthenticated, like /ping, for scrapers. */
export const metrics: Handler = async (exchange, server) => {
  const text = await server.metrics.render();
  exchange.send(200, text, server.metrics.contentType);
};
