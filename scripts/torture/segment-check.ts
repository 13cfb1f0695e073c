/**
 * Reads, with the server down, every segment the shards' manifests list, exactly as a crash
 * left them: each series entry must decode to the row count its manifest records. Segment
 * files are immutable and a listed name is never reused, so each is checked once per run.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from '../../src/storage/manifest.js';
import { decodeSeriesSegment } from '../../src/storage/segment-codec.js';

export interface SegmentCheck {
  /** Segment files newly read by this check. */
  checked: number;
  /** Files (or manifests) that could not be read or decoded, with why. */
  unreadable: string[];
}

export class SegmentChecker {
  private readonly checkedFiles = new Set<string>();

  constructor(private readonly dataDir: string) {}

  async check(): Promise<SegmentCheck> {
    const result: SegmentCheck = { checked: 0, unreadable: [] };
    const shardsDir = path.join(this.dataDir, 'shards');
    for (const shard of await readdir(shardsDir)) {
      const shardDir = path.join(shardsDir, shard);
      let manifest;
      try {
        manifest = readManifest(shardDir);
      } catch (err) {
        result.unreadable.push(`shard ${shard} manifest: ${(err as Error).message}`);
        continue;
      }
      for (const segment of manifest.segments) {
        const file = path.join(shardDir, 'segments', segment.file);
        if (this.checkedFiles.has(file)) continue;
        const problem = await unreadableEntry(file, segment.entries);
        if (problem !== undefined) result.unreadable.push(`shard ${shard} ${segment.file}: ${problem}`);
        this.checkedFiles.add(file);
        result.checked++;
      }
    }
    return result;
  }
}

/** Why the first bad entry of the file cannot be read, or undefined if all decode whole. */
async function unreadableEntry(file: string, entries: readonly { series: string; offset: number; length: number; count: number }[]): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    return (err as Error).message;
  }
  try {
    for (const entry of entries) {
      const bytes = new Uint8Array(entry.length);
      const { bytesRead } = await handle.read(bytes, 0, entry.length, entry.offset);
      if (bytesRead < entry.length) return `${entry.series}: ${bytesRead} of ${entry.length} bytes at offset ${entry.offset}`;
      try {
        const rows = decodeSeriesSegment(bytes);
        if (rows.count !== entry.count) return `${entry.series}: ${rows.count} rows, manifest says ${entry.count}`;
      } catch (err) {
        return `${entry.series}: ${(err as Error).message}`;
      }
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
