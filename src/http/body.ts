import { PayloadTooLargeError } from '../errors.js';
import type { Exchange } from './exchange.js';
import { uninitializedBytes } from '../util/uninitialized-bytes.js';

/** Accounts for body buffer before it is allocated; throws (an HttpError) to refuse the body. */
export type BufferClaim = (bytes: number) => void;

const FIRST_CHUNKED_BUFFER_BYTES = 64 * 1024;

/**
 * Reads a request body into one ArrayBuffer (transferable to a worker without copying).
 * A declared length over the limit is refused before anything is buffered; an undeclared one
 * (chunked) as soon as it passes the limit, after which later chunks are dropped uncopied.
 * Every buffer is claimed through `claim` before it is allocated, so a bound on bodies in
 * flight holds. The connection stays open: uWS discards the rest of a refused body
 * unbuffered, and closing on unread bytes would reset the socket under the 413.
 * uWS reuses its chunk buffers, so each chunk is copied as it arrives.
 *
 * uWS drops body bytes that arrive while no data handler is attached, so a handler starts
 * reading before it awaits authentication. The body may then never be awaited: its rejection
 * is marked handled here, and once an answer (a 401) is out the rest is dropped, not kept.
 */
export function readBody(exchange: Exchange, limit: number, claim: BufferClaim = () => undefined): Promise<Uint8Array> {
  const body = takeBody(exchange, limit, claim);
  body.catch(() => undefined);
  return body;
}

function takeBody(exchange: Exchange, limit: number, claim: BufferClaim): Promise<Uint8Array> {
  const declared = Number(exchange.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    let buffer: Uint8Array | undefined;
    let length = 0;
    const refuse = (err: unknown): void => {
      buffer = undefined;
      reject(err);
    };
    try {
      const size = Number.isFinite(declared) ? declared : FIRST_CHUNKED_BUFFER_BYTES;
      claim(size);
      buffer = uninitializedBytes(size);
    } catch (err) {
      refuse(err);
      return;
    }
    exchange.onAbort(() => refuse(new Error('client went away')));
    exchange.res.onData((chunk, isLast) => {
      if (exchange.done) buffer = undefined;
      if (buffer === undefined) return;
      if (length + chunk.byteLength > limit) {
        refuse(new PayloadTooLargeError(limit));
        return;
      }
      if (length + chunk.byteLength > buffer.length) {
        const size = Math.min(limit, Math.max(buffer.length * 2, length + chunk.byteLength));
        try {
          claim(size - buffer.length);
        } catch (err) {
          refuse(err);
          return;
        }
        const grown = uninitializedBytes(size);
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(new Uint8Array(chunk), length);
      length += chunk.byteLength;
      if (isLast) resolve(length === buffer.length ? buffer : buffer.slice(0, length));
    });
  });
}

/** `Content-Encoding: gzip`, in any case (content codings are case-insensitive, RFC 9110 §8.4.1). */
export function isGzipped(exchange: Exchange): boolean {
  return exchange.headers.get('content-encoding')?.trim().toLowerCase() === 'gzip';
}
