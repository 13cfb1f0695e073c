import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { syncDirectory } from '../util/atomic-file.js';
import { writeAllSync } from '../util/checked-write.js';
import type { SegmentEntry, SegmentFile } from './manifest.js';

/** One series' rows to lay out in a new segment file. */
export type SegmentItem = Omit<SegmentEntry, 'offset' | 'length'> & { readonly bytes: Uint8Array };

/**
 * The segment files of one shard and their lifetimes. A file replaced by a rewrite (database
 * drop, compaction) is retired: it leaves the disk once no open scan holds it, so a query that
 * started before the rewrite reads the snapshot it started with instead of failing on a
 * missing file.
 */
export class SegmentStore {
  private readonly dir: string;
  private readonly holders = new Map<string, number>();
  private readonly retired = new Set<string>();

  constructor(shardDir: string) {
    this.dir = join(shardDir, 'segments');
    mkdirSync(this.dir, { recursive: true });
  }

  /**
   * Lay the series' bytes out one after another in a new file (temp name, fsync, rename).
   * The caller lists it in the manifest; until then it does not exist (see removeOrphans).
   */
  write(id: number, items: readonly SegmentItem[]): SegmentFile {
    const file = `seg-${String(id).padStart(8, '0')}.arrows`;
    let offset = 0;
    const entries = items.map(({ bytes, ...entry }): SegmentEntry => {
      const placed = { ...entry, offset, length: bytes.length };
      offset += bytes.length;
      return placed;
    });
    const temp = join(this.dir, `${file}.tmp`);
    const fd = openSync(temp, 'w');
    try {
      writeAllSync(
        fd,
        temp,
        items.map((item) => item.bytes),
      );
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(temp, join(this.dir, file));
    syncDirectory(this.dir);
    return { id, file, entries };
  }

  read(file: string, entry: Pick<SegmentEntry, 'offset' | 'length'>): Uint8Array {
    const fd = openSync(join(this.dir, file), 'r');
    try {
      const bytes = new Uint8Array(entry.length);
      let done = 0;
      while (done < entry.length) {
        const n = readSync(fd, bytes, done, entry.length - done, entry.offset + done);
        if (n === 0) throw new Error(`segment ${file} is shorter than its manifest says`);
        done += n;
      }
      return bytes;
    } finally {
      closeSync(fd);
    }
  }

  /** A scan holds these files until it releases them. */
  acquire(files: Iterable<string>): void {
    for (const file of files) this.holders.set(file, (this.holders.get(file) ?? 0) + 1);
  }

  release(files: Iterable<string>): void {
    for (const file of files) {
      const left = (this.holders.get(file) ?? 1) - 1;
      if (left > 0) {
        this.holders.set(file, left);
        continue;
      }
      this.holders.delete(file);
      if (this.retired.delete(file)) this.remove(file);
    }
  }

  /** The manifest no longer lists `file`: delete it now, or when its last reader is done. */
  retire(file: string): void {
    if (this.holders.has(file)) this.retired.add(file);
    else this.remove(file);
  }

  /** A crash between writing a segment and recording it in the manifest leaves a file nobody owns. */
  removeOrphans(known: ReadonlySet<string>): void {
    for (const file of readdirSync(this.dir)) {
      if (!known.has(file)) rmSync(join(this.dir, file), { force: true });
    }
  }

  private remove(file: string): void {
    rmSync(join(this.dir, file), { force: true });
  }
}
