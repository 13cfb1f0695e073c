import { closeSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { asDiskWriteError, syncSync, writeAllSync } from './checked-write.js';

const TEMP_INFIX = '.tmp-';

/**
 * Write a file so that a crash leaves either the old or the new content: temp, fsync, rename,
 * fsync dir. Any failure throws a DiskWriteError, removes the temp file and leaves the old
 * content in place (unless only the final directory sync failed, when either may be on disk).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temp = `${path}${TEMP_INFIX}${process.pid}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeAllSync(fd, temp, [typeof data === 'string' ? Buffer.from(data) : data]);
      syncSync(fd, temp);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw asDiskWriteError(err, path);
  }
  syncDirectory(dirname(path));
}

/** Make created, renamed or deleted directory entries durable. */
export function syncDirectory(dir: string): void {
  syncPath(dir);
}

/** fsync a file or directory named by its path; any failure is a DiskWriteError. */
export function syncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw asDiskWriteError(err, path);
  }
  try {
    syncSync(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Remove a temp file left by a failed write; the write's own error is what the caller must hear about. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // A stray temp file is harmless: it is never read, and start-up or the next write replaces it.
  }
}

/**
 * `writeFileAtomic` without blocking the event loop, for files written while serving; it fails
 * the same way: a DiskWriteError, the temp file removed, the old content in place.
 */
export async function writeFileAtomicAsync(path: string, data: string): Promise<void> {
  const temp = `${path}${TEMP_INFIX}${process.pid}`;
  try {
    await withFile(temp, 'w', async (file) => {
      await file.writeFile(data);
      await file.sync();
    });
    await rename(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw asDiskWriteError(err, path);
  }
  await syncDirectoryAsync(dirname(path));
}

/** `syncDirectory` without blocking the event loop. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  await withFile(dir, 'r', (handle) => handle.sync()).catch((err: unknown) => {
    throw asDiskWriteError(err, dir);
  });
}

async function withFile(path: string, flags: string, use: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await open(path, flags);
  try {
    await use(file);
  } finally {
    await file.close();
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
