import { BadRequestError } from '../../errors.js';
import type { Handler } from '../context.js';
import { readBody } from '../body.js';

export const listDatabases: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.json(200, server.meta.listDatabases().map((name) => ({ name })));
};

/**
 * A create body is `{"name": …}`: it is read before authentication (see readBody), so it gets a
 * small limit of its own, not max_body_size, and a stranger cannot make the server allocate more.
 */
const CREATE_BODY_LIMIT = 64 * 1024;

export const createDatabase: Handler = async (exchange, server) => {
  const reading = readBody(exchange, Math.min(CREATE_BODY_LIMIT, server.settings.maxBodySize));
  await server.auth.clusterAdmin(exchange);
  const body = await reading;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new BadRequestError((err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('json: cannot unmarshal into Go value of type struct { Name string }');
  }
  await server.meta.createDatabase((parsed as { name?: unknown }).name);
  exchange.empty(201);
};

export const dropDatabase: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  const name = exchange.params.name!;
  const created = await server.meta.dropDatabase(name);
  await server.storage.dropDatabase(name, created);
  exchange.empty(204);
};
