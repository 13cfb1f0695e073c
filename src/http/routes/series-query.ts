import { planQuery } from '../../query/planner.js';
import { nowMicros, parseTimePrecision } from '../../time-precision.js';
import type { Handler } from '../context.js';

/** GET /db/:db/series?q= — parsing and planning are per-query work; rows are handled by the shards. */
export const querySeries: Handler = async (exchange, server) => {
  await server.auth.databaseUserOrAdmin(exchange);
  const precision = parseTimePrecision(exchange.query.get('time_precision') ?? undefined);
  const text = exchange.query.get('q') ?? '';
  const plan = planQuery(text, nowMicros());
  await server.queries.execute(exchange.params.db!, plan, { chunked: exchange.query.get('chunked') === 'true', pretty: exchange.pretty, precision }, exchange);
};
