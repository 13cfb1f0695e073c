import { BadRequestError } from '../../errors.js';
import { validatePassword, hashPasswordOffLoop } from '../../meta/passwords.js';
import { jsonObject, jsonObjectOr500, newAccount } from '../user-requests.js';
import { clusterAdminAccount } from '../auth.js';
import type { Handler } from '../context.js';
import { readAccountBody } from './account-bodies.js';

/* http-api.md §8: cluster admins, managed by cluster admins only. */

export const listClusterAdmins: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  // `username` too: older clients read that key.
  exchange.json(200, server.meta.listClusterAdmins().map((name) => ({ name, username: name })));
};

export const authenticateClusterAdmin: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  exchange.empty(200);
};

export const createClusterAdmin: Handler = async (exchange, server) => {
  const reading = readAccountBody(exchange, server);
  await server.auth.clusterAdmin(exchange);
  const account = newAccount(jsonObject(await reading));
  if (server.meta.clusterAdmin(account.name)) throw new BadRequestError(`User ${account.name} already exists`);
  await server.meta.createClusterAdmin(account.name, await hashPasswordOffLoop(account.password));
  exchange.empty(200);
};

export const changeClusterAdminPassword: Handler = async (exchange, server) => {
  // 0.8 decoded the body before checking credentials, and a body it could not decode was a 500.
  const body = jsonObjectOr500(await readAccountBody(exchange, server));
  await server.auth.clusterAdmin(exchange);
  const name = exchange.params.user!;
  if (!server.meta.clusterAdmin(name)) throw new BadRequestError(`Invalid user name ${name}`);
  const password = validatePassword(body.password);
  await server.meta.changeClusterAdminPassword(name, await hashPasswordOffLoop(password));
  server.auth.verifier.forget(clusterAdminAccount(name));
  exchange.empty(200);
};

export const deleteClusterAdmin: Handler = async (exchange, server) => {
  await server.auth.clusterAdmin(exchange);
  const name = exchange.params.user!;
  if (!server.meta.clusterAdmin(name)) throw new BadRequestError(`User ${name} doesn't exists`);
  // The last one (or oneself) may go too (http-api.md §8); --reset-root brings root back.
  await server.meta.deleteClusterAdmin(name);
  server.auth.verifier.forget(clusterAdminAccount(name));
  exchange.empty(200);
};
