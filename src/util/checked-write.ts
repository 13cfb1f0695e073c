import { fdatasyncSync, fsyncSync, writevSync } from 'node:fs';

/** writev takes at most IOV_MAX (1024 on Linux) buffers per call. */
const MAX_BUFFERS_PER_CALL = 512;

/**
 * The disk refused a write: full (ENOSPC, EDQUOT), failing (EIO) or otherwise. Nothing the
 * caller wrote may be trusted as stored; the caller decides whether it can go on.
 */
export class DiskWriteError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}: ${code}`, { cause });
  }
}

/** Whether an errno code says the disk has no room (as opposed to failing): freeing space is the cure. */
export function isDiskFull(code: string): boolean {
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Any failure of a file-system call made while writing `path`, as a DiskWriteError. */
export function asDiskWriteError(err: unknown, path: string): DiskWriteError {
  if (err instanceof DiskWriteError) return err;
  return new DiskWriteError((err as NodeJS.ErrnoException).code ?? 'EIO', path, err);
}

/**
 * Write every byte of `chunks` to `fd` (at `position`, or at the file offset when omitted).
 * writev may write less than asked (a full disk often shows up first as a short write), so
 * this loops until everything is written and turns any failure into a DiskWriteError.
 * Returns the number of bytes written.
 */
export function writeAllSync(fd: number, path: string, chunks: readonly Uint8Array[], position?: number): number {
  let pending = chunks.filter((c) => c.length > 0);
  let total = 0;
  try {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BUFFERS_PER_CALL);
      const wanted = batch.reduce((sum, c) => sum + c.length, 0);
      const written = position === undefined ? writevSync(fd, batch) : writevSync(fd, batch, position + total);
      if (written === 0) throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
      total += written;
      pending = written === wanted ? pending.slice(batch.length) : skipBytes(pending, written);
    }
  } catch (err) {
    throw asDiskWriteError(err, path);
  }
  return total;
}

/**
 * fsync (or fdatasync) `fd`, a failure as a DiskWriteError. After a failed sync the kernel
 * may have dropped the dirty pages, so the caller must not retry it and trust the file.
 */
export function syncSync(fd: number, path: string, dataOnly = false): void {
  try {
    if (dataOnly) fdatasyncSync(fd);
    else fsyncSync(fd);
  } catch (err) {
    throw asDiskWriteError(err, path);
  }
}

/** The chunks that remain after the first `count` bytes were written. */
function skipBytes(chunks: Uint8Array[], count: number): Uint8Array[] {
  let i = 0;
  while (count >= chunks[i]!.length) count -= chunks[i++]!.length;
  return [chunks[i]!.subarray(count), ...chunks.slice(i + 1)];
}
