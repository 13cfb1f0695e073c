import { parseTimePrecision } from '../../time-precision.js';
import { seriesAccessOf } from '../authorization.js';
import type { Handler } from '../context.js';
import { isGzipped, readBody } from '../body.js';

/**
 * POST /db/:db/series — 0.8's order: precision (before auth), auth, body, parse, database.
 * Admission comes before the body: under overload the write is refused before it costs memory.
 */
export const writeSeries: Handler = async (exchange, server) => {
  const precision = parseTimePrecision(exchange.query.get('time_precision') ?? undefined);
  const admission = server.ingest.admit(exchange.params.db!);
  try {
    const reading = readBody(exchange, server.settings.maxBodySize, (bytes) => admission.take(bytes));
    const principal = await server.auth.databaseUserOrAdmin(exchange, exchange.params.db!);
    const body = await reading;
    const gzip = isGzipped(exchange);
    const access = seriesAccessOf(principal, 'write');
    const outcome = await server.ingest.write(admission, body, { gzip, precision, ...(access ? { access } : {}) });
    server.metrics.recordWrite('http_json', outcome.pointCount);
  } finally {
    admission.release();
  }
  exchange.empty(200);
};
