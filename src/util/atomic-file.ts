import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { open, rename, type FileHandle } from 'node:fs/promises';

/** Write a file so that a crash leaves either the old or the new content: temp, fsync, rename, fsync dir. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temp = `${path}.tmp-${process.pid}`;
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

/** `writeFileAtomic` without blocking the event loop, for files written while serving. */
export async function writeFileAtomicAsync(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await withFile(temp, 'w', async (file) => {
    await file.writeFile(data);
    await file.sync();
  });
  await rename(temp, path);
  await withFile(dirname(path), 'r', (dir) => dir.sync());
}

async function withFile(path: string, flags: string, use: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await open(path, flags);
  try {
    await use(file);
  } finally {
    await file.close();
  }
}
