import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStaticAssets } from '../../src/admin/static-assets.js';
import { StartupError } from '../../src/startup-error.js';

function assetsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-assets-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('every file is keyed by its URL path, "/" being index.html', (t) => {
  const assets = loadStaticAssets(assetsDir({ 'index.html': '<html>', 'assets/app-1a2b.js': 'x()', 'assets/deep/icon.svg': '<svg/>', 'favicon.ico': 'i' }));
  t.deepEqual([...assets.keys()].sort(), ['/', '/assets/app-1a2b.js', '/assets/deep/icon.svg', '/favicon.ico', '/index.html']);
  t.is(assets.get('/')!.body.toString(), '<html>');
  t.is(assets.get('/assets/deep/icon.svg')!.contentType, 'image/svg+xml; charset=utf-8');
  t.is(assets.get('/favicon.ico')!.contentType, 'image/vnd.microsoft.icon');
  t.is(assets.get('/favicon.ico')!.cacheControl, 'no-cache');
  t.is(assets.get('/assets/app-1a2b.js')!.cacheControl, 'public, max-age=31536000, immutable');
});

test('a missing build is a start-up error that says how to build or turn the page off', (t) => {
  for (const dir of [assetsDir({ 'assets/app.js': 'x()' }), join(tmpdir(), 'sluice-no-such-dir')]) {
    t.throws(() => loadStaticAssets(dir), { instanceOf: StartupError, message: /admin page is not built .*npm run build.*--admin-port off/ });
  }
});
