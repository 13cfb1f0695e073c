/**
 * Installing a checkpoint (shard-checkpoint.ts) in place of a shard's whole state: segments,
 * manifest and WAL. A crash at any point must leave the old state or the new one, never a
 * mix (old WAL records replayed over new segments would resurrect or duplicate rows), so the
 * new state is built beside the shard's directory and swapped in with renames:
 *
 *     <shard>.adopting   being copied; a crash leaves it incomplete: removed, the old state stands
 *     <shard>.adopted    complete and synced: from here on the swap is finished, at start-up too
 *     <shard>.replaced   the old state, moved aside by the swap, removed after it
 *
 * The names are not shard numbers, so the layout and `sluice check` never take them for shards.
 */
import { constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { syncDirectory, syncPath, writeFileAtomic } from '../util/atomic-file.js';
import { manifestPath, type ManifestDocument } from './manifest.js';
import { portableManifest } from './shard-checkpoint.js';
import { readSegmentIndex } from './segment-file.js';
import { makeDirectories } from '../util/make-directories.js';

const BEING_COPIED = '.adopting';
const READY = '.adopted';
const MOVED_ASIDE = '.replaced';

/**
 * Copy the checkpoint in `checkpointDir` (`manifest.json`, `segments/<file>`, as exported)
 * into a complete, synced new state beside `shardDir`, checking every file first. Throws if
 * the checkpoint is unusable; the shard's own state is not touched either way.
 */
export function stageCheckpoint(checkpointDir: string, shardDir: string): void {
  shardDir = resolve(shardDir);
  const staging = shardDir + BEING_COPIED;
  rmSync(staging, { recursive: true, force: true });
  try {
    const manifest = readCheckpointManifest(checkpointDir);
    makeDirectories(join(staging, 'segments'));
    mkdirSync(join(staging, 'wal'));
    for (const { file, format } of manifest.segments) {
      const copy = join(staging, 'segments', file);
      copyFileSync(join(checkpointDir, 'segments', file), copy, constants.COPYFILE_FICLONE);
      syncPath(copy);
      // A damaged footer must fail the adoption now, not the shard's next start.
      if (format === 2) readSegmentIndex(copy);
    }
    syncDirectory(join(staging, 'segments'));
    syncDirectory(join(staging, 'wal'));
    writeFileAtomic(manifestPath(staging), JSON.stringify(portableManifest(manifest)));
    renameSync(staging, shardDir + READY);
    syncDirectory(dirname(shardDir));
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Finish a swap that a staged state calls for, or undo a staging that never completed. Run
 * before the shard's files are opened: by an adoption once its old state is closed, and at
 * every start-up, which so completes an adoption a crash interrupted. Each step can be
 * repeated, so a crash here is settled by the next run.
 */
export function settleAdoption(shardDir: string): void {
  shardDir = resolve(shardDir);
  rmSync(shardDir + BEING_COPIED, { recursive: true, force: true });
  const ready = shardDir + READY;
  const movedAside = shardDir + MOVED_ASIDE;
  if (existsSync(ready)) {
    // A leftover from an earlier swap, or this swap's old state: the new state wins either way.
    rmSync(movedAside, { recursive: true, force: true });
    if (existsSync(shardDir)) renameSync(shardDir, movedAside);
    renameSync(ready, shardDir);
    syncDirectory(dirname(shardDir));
  }
  rmSync(movedAside, { recursive: true, force: true });
}

function readCheckpointManifest(checkpointDir: string): ManifestDocument {
  const path = join(checkpointDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as ManifestDocument;
  if (manifest.version !== 1 || !Array.isArray(manifest.segments) || typeof manifest.catalog !== 'object') {
    throw new Error(`${path} is not a shard manifest of version 1`);
  }
  for (const { file } of manifest.segments) {
    if (basename(file) !== file || file.startsWith('.')) throw new Error(`${path} lists a segment outside its directory: ${file}`);
  }
  return manifest;
}
