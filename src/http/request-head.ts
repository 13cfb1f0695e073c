import { HeadersTooLargeError, UriTooLongError, type HttpError } from '../errors.js';

/**
 * The largest request head (request line and headers) served. uWS (v20.30 as packaged) parses
 * a head of any size that arrives in one socket read, but one that spans reads it buffers only
 * up to 4 KiB, and past that closes the connection without an answer, before any of our code
 * runs (a 1 MB URL is always reset). Whether a longer head works would depend on how the
 * network split it, so every head over that size is refused, with an answer whenever uWS
 * lets us give one.
 */
export const MAX_REQUEST_HEAD_BYTES = 4096;

/** Undefined for a head within the limit; else 414 when the URL alone is over it, 431 when the headers take it over. */
export function requestHeadError(method: string, url: string, query: string, headers: ReadonlyMap<string, string>): HttpError | undefined {
  const target = url.length + (query.length > 0 ? 1 + query.length : 0);
  let bytes = method.length + 1 + target + ' HTTP/1.1\r\n'.length + 2;
  for (const [key, value] of headers) bytes += key.length + 2 + value.length + 2;
  if (bytes <= MAX_REQUEST_HEAD_BYTES) return undefined;
  return target > MAX_REQUEST_HEAD_BYTES ? new UriTooLongError(MAX_REQUEST_HEAD_BYTES) : new HeadersTooLargeError(MAX_REQUEST_HEAD_BYTES);
}
