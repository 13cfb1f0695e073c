/**
 * Bundles the server's three thread entry points (the event loop's `main.js`, the shard and
 * parse workers) from tsc's output into one file each, in dist/bundle/src/. Run by
 * `npm run build`; `npm start` and the tests' servers run the bundle.
 *
 * Why: a start is five threads loading their modules on two cores, and Node 20 has no
 * module compile cache, so resolving, reading and linking some hundred files per thread was a
 * large part of what a start cost. One file per thread loads in a fraction of that.
 *
 * The bundles sit two directories below dist/, as the modules they replace do, so that every
 * `new URL(…, import.meta.url)` in them (the admin page's files, package.json) still names the
 * same place, and each worker's file is beside the event loop's, where shard-handle.ts and
 * ingest-service.ts look for it. `node dist/src/main.js` runs the same server unbundled.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../', import.meta.url));

await build({
  absWorkingDir: dist,
  entryPoints: {
    'src/main': 'src/main.js',
    'src/shard-worker': 'src/shards/shard-worker.js',
    'src/parse-worker': 'src/ingest/parse-worker.js',
  },
  outdir: 'bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: [
    // Native addons: loaded from their packages' own files.
    'uWebSockets.js',
    'fs-ext',
    // Each starts worker threads from files of its own package, found beside its modules.
    'piscina',
    'pino',
  ],
  // Bundled CommonJS packages call require() for Node's own modules, which an ES module lacks.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
});
