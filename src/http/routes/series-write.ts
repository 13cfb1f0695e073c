import { parseTimePrecision } from '../../time-precision.js';
import type { Handler } from '../context.js';
import { readBody } from '../body.js';

/** POST /db/:db/series — 0.8's order: precision (before auth), auth, body, parse, database. */
export const writeSeries: Handler = async (exchange, server) => {
  const precision = parseTimePrecision(exchange.query.get('time_precision') ?? undefined);
  const reading = readBody(exchange, server.settings.maxBodySize);
  await server.auth.databaseUserOrAdmin(exchange);
  const body = await reading;
  const gzip = exchange.headers.get('content-encoding') === 'gzip';
  await server.ingest.write(exchange.params.db!, body, { gzip, precision });
  exchange.empty(200);
};
