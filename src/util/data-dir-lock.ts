import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flockSync } from 'fs-ext';
import { StartupError } from '../startup-error.js';
import { makeDirectories } from './make-directories.js';

const LOCK_FILE = 'sluice.lock';

/**
 * One process at a time holds a data directory (DESIGN.md invariant 8): two would each write a
 * WAL for the same shards. The hold is flock(2) on a file inside the directory. The kernel drops
 * it when the holder's descriptor closes, which includes the holder dying by kill -9, so a
 * restart right after a crash never waits for a stale lock to time out.
 */
export class DataDirLock {
  private constructor(private fd: number | undefined) {}

  static acquire(dataDir: string): DataDirLock {
    makeDirectories(dataDir);
    const path = join(dataDir, LOCK_FILE);
    // Not truncated on open: a failed attempt must leave the holder's pid readable.
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      flockSync(fd, 'exnb');
    } catch (err) {
      closeSync(fd);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        throw new StartupError(
          `data directory ${resolve(dataDir)} is in use by another Sluice process${holderOf(path)}; ` +
            'a data directory serves one process at a time',
        );
      }
      throw new StartupError(`cannot lock data directory ${resolve(dataDir)} (${path}): ${(err as Error).message}`);
    }
    ftruncateSync(fd);
    writeSync(fd, `${process.pid}\n`, 0);
    return new DataDirLock(fd);
  }

  /**
   * The file stays: were it deleted, a starter that had already opened it could lock the unlinked
   * file while a newcomer locks a new one of the same name, and both would hold the directory.
   */
  release(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function holderOf(path: string): string {
  const pid = readFileSync(path, 'utf8').trim();
  return /^\d+$/.test(pid) ? ` (pid ${pid})` : '';
}
