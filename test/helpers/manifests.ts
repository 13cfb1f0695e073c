import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSegmentIndex } from '../../src/storage/segment-file.js';
import { sleep } from './client.js';

/** The parts of a shard's manifest.json the lifecycle and shard tests look at. */
export interface ManifestView {
  readonly segments: { file: string; format?: 2; entries: { db: string; series: string; count: number }[] }[];
  readonly tombstones?: unknown[];
  readonly nextSegmentId?: number;
}

/** Every shard's manifest (an empty one for a shard that never saved it), as readShardManifest reads it. */
export async function readManifests(dataDir: string): Promise<ManifestView[]> {
  const shards = await readdir(path.join(dataDir, 'shards'));
  return Promise.all(shards.map((shard) => readShardManifest(path.join(dataDir, 'shards', shard)).catch(() => ({ segments: [] }))));
}

/**
 * One shard's manifest with each format 2 segment's entries read from its footer, as the shard
 * fills them in (manifest.ts). A flush or compaction may retire a file between reading the
 * manifest and its footer: such a segment shows no entries.
 */
export async function readShardManifest(shardDir: string): Promise<ManifestView> {
  const saved = JSON.parse(await readFile(path.join(shardDir, 'manifest.json'), 'utf8')) as ManifestView;
  const segments = saved.segments.map((segment) => {
    if (segment.entries !== undefined) return segment;
    try {
      return { ...segment, entries: readSegmentIndex(path.join(shardDir, 'segments', segment.file)).series.map(({ db, series, count }) => ({ db, series, count })) };
    } catch {
      return { ...segment, entries: [] };
    }
  });
  return { ...saved, segments };
}

/** Rows of `series` the manifests list in segment files. */
export function segmentRows(manifests: readonly ManifestView[], series: string): number {
  let rows = 0;
  for (const manifest of manifests) for (const segment of manifest.segments) for (const e of segment.entries) if (e.series === series) rows += e.count;
  return rows;
}

/** Polls the manifests until `done` holds (a flush or compaction ran), or fails after `ms`. */
export async function waitForManifests(dataDir: string, done: (manifests: ManifestView[]) => boolean, what: string, ms = 10_000): Promise<ManifestView[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const manifests = await readManifests(dataDir);
    if (done(manifests)) return manifests;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(manifests).slice(0, 2000)}`);
    await sleep(50);
  }
}
