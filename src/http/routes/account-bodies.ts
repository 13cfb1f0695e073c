import type { Exchange } from '../exchange.js';
import type { ServerContext } from '../context.js';
import { readBody } from '../body.js';

/**
 * Account bodies are a name, a password and a few permissions: a small limit of their own,
 * not max_body_size, so a stranger cannot make the server allocate much before it knows who
 * is asking.
 */
const ACCOUNT_BODY_LIMIT = 64 * 1024;

/** Starts reading the body at once (uWS delivers it only to a reader registered now). */
export function readAccountBody(exchange: Exchange, server: ServerContext): Promise<Uint8Array> {
  return readBody(exchange, Math.min(ACCOUNT_BODY_LIMIT, server.settings.maxBodySize));
}
