import { restrictReads } from '../../query/permissions-filter.js';
import { planQuery } from '../../query/planner.js';
import { BadRequestError } from '../../errors.js';
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
  const format = outputFormat(exchange.query.get('format'));
  const text = exchange.query.get('q') ?? '';
  await server.statements.prepare(text);
  const planned = planQuery(text, nowMicros(), (statement) => authorizeStatement(principal, db, statement));
  const access = seriesAccessOf(principal, 'read');
  const plan = access ? await restrictReads(planned, access, server.storage, db, (clause) => server.statements.prepare(clause)) : planned;
  exchange.guard = () => server.auth.stillValid(principal);
  await server.queries.execute(db, plan, { chunked: exchange.query.get('chunked') === 'true', pretty: exchange.pretty, precision, format }, exchange);
};

/** `format=arrow` asks for an Arrow IPC stream (coordinator/arrow-answer.ts); JSON otherwise. */
function outputFormat(value: string | null): 'json' | 'arrow' {
  if (value === null || value === '' || value === 'json') return 'json';
  if (value === 'arrow') return 'arrow';
  throw new BadRequestError(`Unknown format ${value}`);
}
