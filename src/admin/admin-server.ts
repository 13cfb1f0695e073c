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

function serve(res: uWS.HttpResponse, asset: StaticAsset | undefined, withBody: boolean): void {
  if (asset === undefined) {
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('404 page not found');
    return;
  }
  res
    .writeStatus('200 OK')
    .writeHeader('Content-Type', asset.contentType)
    .writeHeader('Cache-Control', asset.cacheControl)
    .writeHeader('X-Content-Type-Options', 'nosniff');
  if (withBody) {
    res.end(asset.body);
    return;
  }
  // This uWS does not count endWithoutBody as an answer and aborts the process on returning
  // without one, unless an abort handler is attached; there is nothing to abort.
  res.onAborted(() => undefined);
  res.endWithoutBody(asset.body.length);
}
