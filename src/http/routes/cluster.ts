import { BadRequestError } from '../../errors.js';
import { continuousSelectFromText } from '../../query/continuous-query-check.js';
import { jsonObject, jsonObjectOr500 } from '../user-requests.js';
import type { Handler } from '../context.js';
import { readAccountBody } from './account-bodies.js';

/*
 * http-api.md §11–§12 on a single node: the cluster endpoints 0.8 clients call, answered for
 * a cluster of one server that holds every shard. All of them are for cluster admins only.
 */

const SINGLE_SERVER = {
  id: 1,
  protobufConnectString: 'localhost:8099',
  isUp: true,
  raftName: 'sluice',
  state: 4,
  stateName: 'Running',
  raftConnectionString: 'http://localhost:8090',
  leaderRaftName: 'sluice',
  leaderRaftConnectString: 'http://localhost:8090',
  isLeader: true,
};

export const listServers: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.json(200, [SINGLE_SERVER]);
};

export const removeServer: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  if (exchange.params.id !== String(SINGLE_SERVER.id)) throw new BadRequestError(`No server with id ${exchange.params.id}`);
  exchange.empty(200);
};

export const listShards: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.json(200, []);
};

/** Shard placement is the server's own on a single node: accepted and ignored. */
export const acceptShardChange: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.empty(202);
};

export const listShardSpaces: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.json(
    200,
    server.meta.listDatabases().map((database) => ({
      name: 'default',
      database,
      regex: '/.*/',
      retentionPolicy: 'inf',
      shardDuration: '7d',
      replicationFactor: 1,
      split: 1,
    })),
  );
};

/**
 * Creating (`POST /cluster/shard_spaces/:db`) or updating (`POST /cluster/shard_spaces/:db/:name`,
 * 0.8.2 on) a shard space: one server keeps every series in one space, so a well-formed body
 * for an existing database is accepted and changes nothing.
 */
export const acceptShardSpace: Handler = async (exchange, server) => {
  const reading = readAccountBody(exchange, server);
  await server.auth.clusterAdmin(exchange);
  jsonObjectOr500(await reading);
  if (!server.meta.databaseExists(exchange.params.db!)) throw new BadRequestError(`Database ${exchange.params.db} doesn't exist`);
  exchange.empty(200);
};

export const dropShardSpace: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.empty(200);
};

/**
 * node-influx's createDatabase: `{"spaces": [...], "continuousQueries": [...]}` creates the
 * database (an existing one is 400 here, not 409) with its continuous queries. Spaces are
 * accepted and ignored. Every query is checked before anything is created, as in 0.8.
 */
export const createDatabaseConfig: Handler = async (exchange, server) => {
  const reading = readAccountBody(exchange, server);
  await server.auth.clusterAdmin(exchange);
  const body = jsonObject(await reading);
  const queries = body.continuousQueries ?? [];
  if (!Array.isArray(queries)) throw new BadRequestError('continuousQueries must be an array');
  const texts = queries.map((query: unknown) => {
    if (typeof query !== 'string') throw new BadRequestError('continuousQueries must be strings');
    continuousSelectFromText(query);
    return query;
  });
  const db = await server.meta.createDatabase(exchange.params.db, 400);
  for (const text of texts) await server.continuousQueries.create(db, text);
  exchange.empty(201);
};

export const migrateData: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.empty(202);
};

export const sync: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.text(200, 'true');
};

export const forceCompaction: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.text(200, 'OK');
};
