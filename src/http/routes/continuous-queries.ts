import { InternalError } from '../../errors.js';
import { continuousSelectFromText } from '../../query/continuous-query-check.js';
import { readBody } from '../body.js';
import type { Handler } from '../context.js';

/** A continuous query's body is one query text. */
const BODY_LIMIT = 64 * 1024;

/** GET /db/:db/continuous_queries (http-api.md §10): `[{"id","query"}]` in id order. */
export const listContinuousQueries: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to list continuous queries');
  exchange.json(200, server.continuousQueries.list(exchange.params.db!));
};

/** POST /db/:db/continuous_queries `{"query": "select … into …"}`: 200, empty. */
export const createContinuousQuery: Handler = async (exchange, server) => {
  const reading = readBody(exchange, Math.min(BODY_LIMIT, server.settings.maxBodySize));
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to create continuous query');
  const db = exchange.params.db!;
  // A body over the limit is a 413; only one that is not JSON is 0.8's 500.
  const bytes = await reading;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    // 0.8 answered a body that is not JSON with 500.
    throw new InternalError((err as Error).message);
  }
  const query = (body as { query?: unknown } | null)?.query;
  const text = typeof query === 'string' ? query : '';
  await server.statements.prepare(text);
  continuousSelectFromText(text);
  await server.continuousQueries.create(db, text);
  exchange.empty(200);
};

/** DELETE /db/:db/continuous_queries/:id: 200 even for an unknown or non-numeric id. */
export const dropContinuousQuery: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to delete continuous query');
  await server.continuousQueries.drop(exchange.params.db!, exchange.params.id!);
  exchange.empty(200);
};
