import { createHash } from 'node:crypto';

/**
 * A write batch's SHA-256, as the id of the log message that carries it in cluster mode: the
 * log drops a message whose id it has seen within its duplicate window, so a client that
 * retries a write after an error or a lost answer does not store its points twice. It is
 * taken over the parsed batch, where times are resolved and server-numbered points hold only
 * their place in the request, so the same body gives the same digest when it is retried.
 */
export function batchDigest(batch: Uint8Array): string {
  return createHash('sha256').update(batch).digest('base64url');
}
