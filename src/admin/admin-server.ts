import uWS from 'uWebSockets.js';
import { listenExclusive } from '../http/listen.js';
import type { StaticAsset } from './static-assets.js';

/**
 * Serves the admin page's files on their own port, as 0.8 did: no server-side logic, the page
 * calls the API port from the browser (cross-origin; the API answers CORS preflights).
 */
export function listenAdmin(assets: ReadonlyMap<string, StaticAsset>, host: string, port: number): Promise<uWS.us_listen_socket> {
  const app = uWS
    .App()
    .get('/*', (res, req) => serve(res, assets.get(decodedPath(req.getUrl())), true))
    .head('/*', (res, req) => serve(res, assets.get(decodedPath(req.getUrl())), false))
    .any('/*', (res) => {
      res.writeStatus('405 Method Not Allowed').writeHeader('Allow', 'GET, HEAD').end('method not allowed');
    });
  return listenExclusive(app, host, port);
}

/** The path as the file it names; a malformed escape names no file. */
function decodedPath(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return '';
  }
}

const NOT_FOUND: StaticAsset = {
  body: Buffer.from('404 page not found'),
  contentType: 'text/plain; charset=utf-8',
  cacheControl: 'no-cache',
};

function serve(res: uWS.HttpResponse, asset: StaticAsset | undefined, withBody: boolean): void {
  const answer = asset ?? NOT_FOUND;
  res
    .writeStatus(asset === undefined ? '404 Not Found' : '200 OK')
    .writeHeader('Content-Type', answer.contentType)
    .writeHeader('Cache-Control', answer.cacheControl)
    .writeHeader('X-Content-Type-Options', 'nosniff');
  if (withBody) {
    res.end(answer.body);
    return;
  }
  // Given a length, this uWS's endWithoutBody leaves the response open: it aborts the process if
  // the handler returns, and drops the connection's next request. Without one it ends it.
  res.writeHeader('Content-Length', String(answer.body.length)).endWithoutBody();
}
