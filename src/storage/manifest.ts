import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Tombstone } from './tombstones.js';

/** Where one series' rows sit inside a segment file, with what a scan needs to skip it. */
export interface SegmentEntry {
  readonly db: string;
  readonly series: string;
  readonly offset: number;
  readonly length: number;
  readonly count: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly maxSeq: number;
}

export interface SegmentFile {
  readonly id: number;
  readonly file: string;
  /**
   * 2: series as runs of blocks with the index in the file's footer (segment-file.ts); entries
   * then summarise each series (offset 0, length = its blocks' bytes). Absent: format 1, one
   * Arrow IPC stream per entry at offset/length.
   */
  readonly format?: 2;
  /**
   * Format 2: not saved (since 2026-12-04), since the file's footer holds the same summary;
   * the shard fills them in from the footer when it opens (an older manifest's are kept).
   * Saved, they were 170 bytes a series a file, rewritten with every flush.
   */
  readonly entries: SegmentEntry[];
  /** Tombstones numbered from this on apply to the file's rows (tombstones.ts); absent: 0. */
  readonly tombstoneMark?: number;
}

/**
 * The shard's durable state besides the WAL: which segment files exist, what they hold,
 * the column order of every series, and which WAL files the segments already cover.
 * Rewritten atomically after each flush, so a segment not listed here does not exist.
 */
export interface ManifestDocument {
  version: 1;
  /** WAL files numbered below this are fully contained in segments. */
  walCheckpoint: number;
  nextSegmentId: number;
  segments: SegmentFile[];
  /** db → series → columns in order of first creation. */
  catalog: Record<string, Record<string, string[]>>;
  /** Every write transaction below this id that involved the shard is in a segment or was aborted. */
  flushedBelow?: number;
  /**
   * Transactions at or above `flushedBelow` that are in a segment: they committed while an
   * older one was still open, became visible at once and were flushed with the rest, so
   * their WAL records may be gone although the watermark is below them.
   */
  flushedAbove?: number[];
  /** Transactions whose WAL append failed on this shard (recent ones; see transactions.ts). */
  failedTxns?: number[];
  /** Deletes some listed segment's rows still await (compaction removes them). */
  tombstones?: Tombstone[];
  /** The number the shard's next delete gets. */
  nextTombstone?: number;
  /** Cluster mode: the partition stream's messages up to this sequence are in segments or the WAL. */
  logApplied?: number;
  /**
   * Cluster mode: the partition stream's messages up to this sequence are in segments alone,
   * without the WAL (a flush logs batches of unresolved transactions again instead of writing
   * them out, so `logApplied` may be ahead of the segments). What a checkpoint can promise.
   */
  logInSegments?: number;
}

export function manifestPath(shardDir: string): string {
  return join(shardDir, 'manifest.json');
}

/** The manifest as saved: a format 2 segment's entries are empty unless an older build listed them. */
export function readManifest(dir: string): ManifestDocument {
  const path = manifestPath(dir);
  if (!existsSync(path)) return emptyManifest();
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as ManifestDocument;
  for (const segment of manifest.segments) (segment as { entries: SegmentEntry[] }).entries ??= [];
  return manifest;
}

function emptyManifest(): ManifestDocument {
  return { version: 1, walCheckpoint: 0, nextSegmentId: 1, segments: [], catalog: {} };
}

/**
 * A shard's manifest is written when the shard is first opened and only ever replaced whole,
 * so a missing one next to segment files means it was lost, not that none was written yet.
 * Opening would then take every segment for the orphan of a crashed flush and delete it — the
 * only copy of everything flushed — so the shard refuses to open. A shard with neither gets
 * its empty manifest now, so that from then on a missing one always means damage.
 */
export function guardManifest(dir: string, segmentFiles: readonly string[]): void {
  if (existsSync(manifestPath(dir))) return;
  if (segmentFiles.length > 0) {
    throw new Error(
      `shard ${dir} has ${segmentFiles.length} segment files but no manifest.json, which lists them: ` +
        'restore manifest.json from a backup (starting without it would delete them); `sluice check` reports the shard as damaged',
    );
  }
  writeManifest(dir, emptyManifest());
}

export function writeManifest(dir: string, manifest: ManifestDocument): void {
  const segments = manifest.segments.map(({ entries, ...segment }) => (segment.format === 2 ? segment : { ...segment, entries }));
  writeFileAtomic(manifestPath(dir), JSON.stringify({ ...manifest, segments }));
}
