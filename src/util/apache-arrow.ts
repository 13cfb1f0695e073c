import { createRequire } from 'node:module';
import type * as ApacheArrow from 'apache-arrow';

type Arrow = typeof ApacheArrow;
let loaded: Arrow | undefined;

/**
 * apache-arrow's classes and functions, from the single-file build the package ships: its ES
 * module build is some 150 modules that take about 190 ms of each thread's start to load, the
 * single file about 30 ms. Types still come from `import type … from 'apache-arrow'`, which
 * declares both builds. The server takes Arrow's values only from here, and apache-arrow
 * tells its types apart with instanceof, so no thread holds two copies of its classes.
 *
 * Loaded on first use: only segments written by the first segment codec (segment-codec.ts)
 * need it, and loading it at every start cost each shard thread about 25 ms of CPU.
 */
export const arrow: Arrow = new Proxy({} as Arrow, {
  get: (_target, name) => (loaded ??= createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as Arrow)[name as keyof Arrow],
});
