/**
 * Reads, with the server down, every segment the shards' manifests list, exactly as a crash
 * left them: each series entry must decode — every block, with its checksum — to the row count
 * its manifest records. Segment files are immutable and a listed name is never reused, so each
 * is checked once per run.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, type SegmentFile } from '../../src/storage/manifest.js';
import { entriesOf, SegmentStore } from '../../src/storage/segment-store.js';

export interface SegmentCheck {
  /** Segment files newly read by this check. */
  checked: number;
  /** Their blocks, and those that store only their first sequence number (block codec 3). */
  blocks: number;
  sharedSequenceBlocks: number;
  /** Files (or manifests) that could not be read or decoded, with why. */
  unreadable: string[];
}

export class SegmentChecker {
  private readonly checkedFiles = new Set<string>();

  constructor(private readonly dataDir: string) {}

  async check(): Promise<SegmentCheck> {
    const result: SegmentCheck = { checked: 0, blocks: 0, sharedSequenceBlocks: 0, unreadable: [] };
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
      const store = new SegmentStore(shardDir);
      try {
        for (const segment of manifest.segments) {
          const file = path.join(shardDir, 'segments', segment.file);
          if (this.checkedFiles.has(file)) continue;
          const problem = unreadableEntry(store, segment, result);
          if (problem !== undefined) result.unreadable.push(`shard ${shard} ${segment.file}: ${problem}`);
          this.checkedFiles.add(file);
          result.checked++;
        }
      } finally {
        store.close();
      }
    }
    return result;
  }
}

/** Why the first bad entry of the file cannot be read, or undefined if all decode whole; counts the blocks read. */
function unreadableEntry(store: SegmentStore, segment: SegmentFile, counts: Pick<SegmentCheck, 'blocks' | 'sharedSequenceBlocks'>): string | undefined {
  let refs;
  try {
    refs = store.refsOf(segment);
  } catch (err) {
    return (err as Error).message;
  }
  const listed = new Map(entriesOf(segment, refs).map((entry) => [`${entry.db}\0${entry.series}`, entry.count]));
  if (refs.length !== listed.size) return `${refs.length} series in the file, manifest lists ${listed.size}`;
  for (const ref of refs) {
    const { series } = ref.entry;
    try {
      let rows = 0;
      for (const piece of store.pieces(ref)) rows += piece.load().count;
      const expected = listed.get(`${ref.entry.db}\0${series}`);
      if (rows !== expected) return `${series}: ${rows} rows, manifest says ${expected}`;
      counts.blocks += ref.blocks?.length ?? 1;
      counts.sharedSequenceBlocks += ref.blocks?.filter((header) => header.seqFrom !== undefined).length ?? 0;
    } catch (err) {
      return `${series}: ${(err as Error).message}`;
    }
  }
  return undefined;
}
