import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` that always ends. Node's recursive mkdir takes ENOENT to mean "the parent is
 * missing", makes the parent (EEXIST, fine) and tries again, forever: on procfs (`/proc/x`) the
 * kernel answers ENOENT for a child of a directory that exists, and the thread spins at 100 %
 * CPU without a word. Here an ENOENT after the parent was made or found is final, and thrown.
 */
export function makeDirectories(dir: string): void {
  const path = resolve(dir);
  try {
    mkdirSync(path);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // An existing directory is what was asked for; an existing file is in the way (as Node says).
    if (code === 'EEXIST' && statSync(path).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw err;
  }
  makeDirectories(dirname(path));
  mkdirSync(path);
}
