import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mime from 'mime';
import { StartupError } from '../startup-error.js';

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** Where `npm run build` puts the built admin page (Vite's outDir), seen from dist/src/admin/. */
export const ADMIN_ASSETS_DIR = fileURLToPath(new URL('../../admin/', import.meta.url));

// Vite names the files under assets/ by their content hash, so a browser may keep them for good;
// index.html names the current ones and must be asked for again every time.
const HASHED_DIR = 'assets/';
const FOREVER = 'public, max-age=31536000, immutable';
const ALWAYS_REVALIDATE = 'no-cache';

/**
 * Reads every file under `dir` once, keyed by its URL path ("/" is index.html). Requests are then
 * answered from memory, and only the paths found here exist: no request path, `..` or encoded
 * slashes included, can reach another file.
 */
export function loadStaticAssets(dir: string): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    names = [];
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    const urlPath = name.split(path.sep).join('/');
    assets.set(`/${urlPath}`, {
      body: readFileSync(file),
      contentType: contentType(file),
      cacheControl: urlPath.startsWith(HASHED_DIR) ? FOREVER : ALWAYS_REVALIDATE,
    });
  }
  const index = assets.get('/index.html');
  if (index === undefined) {
    throw new StartupError(`the admin page is not built (no ${path.join(dir, 'index.html')}): run \`npm run build\`, or start with --admin-port off`);
  }
  assets.set('/', index);
  return assets;
}

function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/json' || type === 'image/svg+xml' ? `${type}; charset=utf-8` : type;
}
