import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_INFIX = '.tmp-';

/** Write a file so that a crash leaves either the old or the new content: temp, fsync, rename, fsync dir. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temp = `${path}${TEMP_INFIX}${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A crash before the rename leaves the temp file behind, under the dead process's id. Only
 * call this while holding the data directory's lock: then no live writer owns such a file.
 */
export function removeAbandonedTemps(path: string): void {
  const prefix = `${basename(path)}${TEMP_INFIX}`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
}
