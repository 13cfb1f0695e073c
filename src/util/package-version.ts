import { readFileSync } from 'node:fs';

/** The version in package.json, read from the build's place in `dist/src/util/` (or the bundle's, `dist/bundle/src/`). */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}
