import type { Handler } from '../context.js';

/**
 * 0.8's `{"status":"ok"}` while every shard can write. A shard whose disk refused a write
 * turns it into 503 naming the shards and their errors: 0.8 clients, load balancers and
 * monitors only ever call /ping, so that is where a node that cannot take writes must show.
 */
export const ping: Handler = async (exchange, server) => {
  const degraded = await server.storage.degradedShards();
  if (degraded.length === 0) exchange.json(200, { status: 'ok' });
  else exchange.json(503, { status: 'degraded', shards: degraded });
};
