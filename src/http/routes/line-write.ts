import { BadRequestError, NotFoundError } from '../../errors.js';
import { parseLinePrecision } from '../../ingest/line-precision.js';
import { seriesAccessOf } from '../authorization.js';
import { isGzipped, readBody } from '../body.js';
import type { Handler } from '../context.js';

/**
 * POST /write?db=&precision= — an InfluxDB 1.x line-protocol body, stored through the same
 * ingest path as `POST /db/:db/series` (parse threads, permissions, WAL, fan-out), answered
 * 204 as 1.x does, errors as `{"error": …}` as 1.x does. Credentials as for the 0.8 routes: `u`/`p`, else Basic auth.
 */
export const writeLines: Handler = async (exchange, server) => {
  exchange.errorStyle = 'influx1';
  const db = exchange.query.get('db');
  if (db === null || db === '') throw new BadRequestError('database is required');
  const precision = parseLinePrecision(exchange.query.get('precision'));
  const admission = server.ingest.admit(db);
  try {
    const reading = readBody(exchange, server.settings.maxBodySize, (bytes) => admission.take(bytes));
    const principal = await server.auth.databaseUserOrAdmin(exchange, db);
    if (!server.meta.databaseExists(db)) throw new NotFoundError(`database not found: "${db}"`);
    const body = await reading;
    const gzip = isGzipped(exchange);
    const access = seriesAccessOf(principal, 'write');
    const outcome = await server.ingest.write(admission, body, { gzip, format: { kind: 'line', precision }, ...(access ? { access } : {}) });
    server.metrics.recordWrite('http_line', outcome.pointCount);
  } finally {
    admission.release();
  }
  exchange.empty(204);
};
