/** Disk usage of a data directory, split into write-ahead log and everything else. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface DiskUsage {
  /** Sum of file sizes. */
  readonly apparentBytes: number;
  /** Allocated blocks, as `du` counts them. */
  readonly allocatedBytes: number;
  readonly walApparentBytes: number;
  readonly walAllocatedBytes: number;
  readonly files: number;
}

/** WAL files live under a `wal` directory in the expected layout; `*.log`/`*.wal` otherwise. */
function isWal(relativePath: string): boolean {
  return relativePath.split(path.sep).includes('wal') || /\.(log|wal)$/.test(relativePath);
}

export async function diskUsage(dir: string): Promise<DiskUsage> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let apparentBytes = 0;
  let allocatedBytes = 0;
  let walApparentBytes = 0;
  let walAllocatedBytes = 0;
  let files = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { size, blocks } = await stat(file);
    files++;
    apparentBytes += size;
    allocatedBytes += blocks * 512;
    if (isWal(path.relative(dir, file))) {
      walApparentBytes += size;
      walAllocatedBytes += blocks * 512;
    }
  }
  return { apparentBytes, allocatedBytes, walApparentBytes, walAllocatedBytes, files };
}
