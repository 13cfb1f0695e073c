import { restrictReads } from '../../query/permissions-filter.js';
import { planQuery } from '../../query/planner.js';
import { nowMicros, parseTimePrecision } from '../../time-precision.js';
import { authorizeStatement, seriesAccessOf } from '../authorization.js';
import type { Handler } from '../context.js';

/**
 * GET /db/:db/series?q= — parsing and planning are per-query work; rows are handled by the
 * shards. A restricted user's plan is narrowed to what it may read before it runs, and a
 * streamed answer stops as soon as the account is deleted or changed.
 */
export const querySeries: Handler = async (exchange, server) => {
  const db = exchange.params.db!;
  server.metrics.recordQuery();
  const principal = await server.auth.databaseUserOrAdmin(exchange, db);
  const precision = parseTimePrecision(exchange.query.get('time_precision') ?? undefined);
  const text = exchange.query.get('q') ?? '';
  const planned = planQuery(text, nowMicros(), (statement) => authorizeStatement(principal, db, statement));
  const access = seriesAccessOf(principal, 'read');
  const plan = access ? await restrictReads(planned, access, server.storage, db) : planned;
  exchange.guard = () => server.auth.stillValid(principal);
  await server.queries.execute(db, plan, { chunked: exchange.query.get('chunked') === 'true', pretty: exchange.pretty, precision }, exchange);
};
