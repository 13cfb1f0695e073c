/**
 * A small tmpfs as a server's data directory, to make its disk full for real. Mounting needs
 * root (CI runs as root); where it is not allowed, `mountTmpfs` says why and the test skips.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  unmount(): void;
}

/** Mount a tmpfs of `sizeMiB`; returns why not when it cannot be mounted. */
export function mountTmpfs(sizeMiB: number): Tmpfs | { readonly unavailable: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { unavailable: `cannot mount a tmpfs (needs root): ${stderr || String(error)}` };
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmdirSync(dir);
    },
  };
}

/** A file that takes every free byte of the file system it is on. */
export class Filler {
  readonly path: string;

  constructor(dir: string) {
    this.path = path.join(dir, 'filler');
    const fd = openSync(this.path, 'w');
    try {
      for (const size of [1 << 20, 4096, 1]) {
        const chunk = Buffer.alloc(size, 0x55);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Give `bytes` back to the file system. */
  shrink(bytes: number): void {
    const fd = openSync(this.path, 'r+');
    try {
      ftruncateSync(fd, Math.max(0, fstatSync(fd).size - bytes));
    } finally {
      closeSync(fd);
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
