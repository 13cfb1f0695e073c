import type { HttpRequest } from 'uWebSockets.js';

/** A stand-in for uWS's request of a chunked query, for tests that drive Exchange without a server. */
export function chunkedQueryRequest(): HttpRequest {
  const req = {
    getCaseSensitiveMethod: () => 'GET',
    getUrl: () => '/db/d/series',
    getQuery: () => 'q=select%20*%20from%20a&chunked=true',
    forEach: () => undefined,
  };
  return req as unknown as HttpRequest;
}
