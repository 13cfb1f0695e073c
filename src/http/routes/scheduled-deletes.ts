import { NotFoundError } from '../../errors.js';
import { scheduledDeleteFromBody } from '../../lifecycle/scheduled-delete-body.js';
import { readBody } from '../body.js';
import type { Handler } from '../context.js';

/** A scheduled delete's body is three short fields. */
const BODY_LIMIT = 64 * 1024;

/** POST /db/:db/scheduled_deletes (http-api.md §6.3): 201 with the stored delete and its id. */
export const createScheduledDelete: Handler = async (exchange, server) => {
  const reading = readBody(exchange, Math.min(BODY_LIMIT, server.settings.maxBodySize));
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to manage scheduled deletes');
  const fields = scheduledDeleteFromBody(Buffer.from(await reading).toString('utf8'));
  const created = await server.meta.updateLifecycle(exchange.params.db!, (lifecycle) => {
    const id = lifecycle.nextScheduledDeleteId ?? 1;
    lifecycle.nextScheduledDeleteId = id + 1;
    const scheduled = { id, ...fields };
    (lifecycle.scheduledDeletes ??= []).push(scheduled);
    return scheduled;
  });
  exchange.json(201, created);
};

export const listScheduledDeletes: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to manage scheduled deletes');
  exchange.json(200, server.meta.lifecycle(exchange.params.db!).scheduledDeletes ?? []);
};

export const removeScheduledDelete: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to manage scheduled deletes');
  const id = exchange.params.id!;
  await server.meta.updateLifecycle(exchange.params.db!, (lifecycle) => {
    const at = (lifecycle.scheduledDeletes ?? []).findIndex((scheduled) => String(scheduled.id) === id);
    if (at < 0) throw new NotFoundError(`Scheduled delete ${id} doesn't exist`);
    lifecycle.scheduledDeletes!.splice(at, 1);
    delete lifecycle.scheduledDeleteRuns?.[id];
  });
  exchange.empty(204);
};
