/**
 * Exact-match routing with `:name` captures of one segment, taken from the decoded path.
 * Unknown paths are 404 and known paths with another method 405 with an Allow header,
 * as 0.8's router answered.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface RouteMatch<H> {
  readonly handler: H;
  readonly params: Record<string, string>;
}

export type RouteResult<H> =
  | { readonly kind: 'found'; readonly match: RouteMatch<H> }
  | { readonly kind: 'options' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' }
  /** A `%` not followed by two hex digits. */
  | { readonly kind: 'bad-escape' };

interface Route<H> {
  readonly segments: string[];
  readonly handlers: Map<string, H>;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, handler: H): this {
    const segments = pattern.split('/');
    let route = this.routes.find((r) => r.segments.join('/') === segments.join('/'));
    if (!route) {
      route = { segments, handlers: new Map() };
      this.routes.push(route);
    }
    route.handlers.set(method, handler);
    // Every GET route also answers HEAD.
    if (method === 'GET') route.handlers.set('HEAD', handler);
    return this;
  }

  resolve(method: string, rawPath: string): RouteResult<H> {
    const path = decodedPath(rawPath);
    if (path === undefined) return { kind: 'bad-escape' };
    const parts = path.split('/');
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (method === 'OPTIONS') return { kind: 'options' };
      const handler = route.handlers.get(method);
      if (handler) return { kind: 'found', match: { handler, params } };
      return { kind: 'method-not-allowed', allow: [...route.handlers.keys()].concat('OPTIONS').join(', ') };
    }
    return { kind: 'not-found' };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    if (expected.startsWith(':')) params[expected.slice(1)] = parts[i]!;
    else if (expected !== parts[i]) return undefined;
  }
  return params;
}

/**
 * The path with its %XX escapes decoded as UTF-8, bytes that are not UTF-8 turned into U+FFFD
 * (as names written with them were stored), so `/db/%FF/series` reaches its route and names a
 * database that does not exist; undefined for a `%` not followed by two hex digits.
 */
function decodedPath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) return undefined;
    const pieces = rawPath.split(/(%[0-9A-Fa-f]{2})/).map((piece) => (piece.startsWith('%') ? Buffer.of(parseInt(piece.slice(1), 16)) : Buffer.from(piece)));
    return Buffer.concat(pieces).toString('utf8');
  }
}
