import { PayloadTooLargeError } from '../errors.js';
import type { Exchange } from './exchange.js';

/**
 * Reads a request body into one ArrayBuffer (transferable to a worker without copying).
 * A declared length over the limit is refused before anything is buffered; an undeclared one
 * as soon as it passes the limit. The connection stays open: uWS discards the rest of the
 * body unbuffered, and closing on unread bytes would reset the socket under the 413.
 * uWS reuses its chunk buffers, so each chunk is copied as it arrives.
 *
 * uWS drops body bytes that arrive while no data handler is attached, so a handler starts
 * reading before it awaits authentication. The body may then never be awaited: its rejection
 * is marked handled here, and once an answer (a 401) is out the rest is dropped, not kept.
 */
export function readBody(exchange: Exchange, limit: number): Promise<Uint8Array> {
  const body = takeBody(exchange, limit);
  body.catch(() => undefined);
  return body;
}

function takeBody(exchange: Exchange, limit: number): Promise<Uint8Array> {
  const declared = Number(exchange.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    let buffer = new Uint8Array(Number.isFinite(declared) ? declared : 64 * 1024);
    let length = 0;
    exchange.onAbort(() => reject(new Error('client went away')));
    exchange.res.onData((chunk, isLast) => {
      if (exchange.done) {
        buffer = new Uint8Array(0);
        return;
      }
      const bytes = new Uint8Array(chunk);
      if (length + bytes.length > limit) {
        reject(new PayloadTooLargeError(limit));
        return;
      }
      if (length + bytes.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, length + bytes.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(bytes, length);
      length += bytes.length;
      if (isLast) resolve(length === buffer.length ? buffer : buffer.slice(0, length));
    });
  });
}
