import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { manifestPath, readManifest } from '../../storage/manifest.js';
import { LAYOUT_FILE, readLayout } from '../../storage/layout.js';
import { SegmentStore, segmentFilesIn } from '../../storage/segment-store.js';
import { StartupError } from '../../startup-error.js';
import { DataDirLock } from '../../util/data-dir-lock.js';
import { formatReport, type FileReport } from './file-report.js';
import { checkSegment, unlistedSegments } from './segment-check.js';
import { checkWal } from './wal-check.js';

/** Exit codes: 0 all intact, 1 damaged files, 2 the directory could not be checked. */
const DAMAGED = 1;
const NOT_CHECKED = 2;

export function checkCommand(): Command {
  return new Command('check')
    .description("verify a stopped server's data directory offline: every segment block and WAL record against its checksum")
    .argument('<data-dir>', 'the data directory (no server may be running on it)')
    .option('-q, --quiet', 'print only damaged files and the summary')
    .action((dataDir: string, options: { quiet?: boolean }) => {
      process.exitCode = checkDataDir(dataDir, options.quiet === true);
    });
}

function checkDataDir(dataDir: string, quiet: boolean): number {
  const shardsDir = join(dataDir, 'shards');
  if (!existsSync(join(dataDir, 'layout.json')) && !existsSync(shardsDir)) {
    process.stderr.write(`sluice check: ${resolve(dataDir)} is not a Sluice data directory (no layout.json, no shards/)\n`);
    return NOT_CHECKED;
  }
  let lock: DataDirLock;
  try {
    // Held while checking, so no server starts on the directory and changes it meanwhile.
    lock = DataDirLock.acquire(dataDir);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`sluice check: ${err.message}; stop it first\n`);
    return NOT_CHECKED;
  }
  try {
    const shards = existsSync(shardsDir) ? shardNames(shardsDir) : [];
    const reports = [...missingShards(dataDir, shards), ...shards.flatMap((shard) => checkShard(join(shardsDir, shard), `shards/${shard}`))];
    for (const report of reports) if (!quiet || report.verdict === 'damaged') process.stdout.write(`${formatReport(report)}\n`);
    const damaged = reports.filter((r) => r.verdict === 'damaged');
    const segments = reports.filter((r) => r.file.includes('/segments/')).length;
    const wals = reports.filter((r) => r.file.includes('/wal/')).length;
    if (damaged.length === 0) {
      process.stdout.write(`checked ${segments} segment files and ${wals} WAL files: all intact\n`);
      return 0;
    }
    process.stdout.write(`checked ${segments} segment files and ${wals} WAL files: ${damaged.length} damaged: ${damaged.map((r) => r.file).join(', ')}\n`);
    return DAMAGED;
  } finally {
    lock.release();
  }
}

function shardNames(shardsDir: string): string[] {
  return readdirSync(shardsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d+$/.test(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => Number(a) - Number(b));
}

/** The shards layout.json records that have no folder: a server would start them empty. */
function missingShards(dataDir: string, present: readonly string[]): FileReport[] {
  let recorded: number;
  try {
    recorded = readLayout(join(dataDir, LAYOUT_FILE)).shards;
  } catch {
    // No layout, or one a server would refuse: nothing to hold the folders to.
    return [];
  }
  const missing: FileReport[] = [];
  for (let shard = 0; shard < recorded; shard++) {
    if (!present.includes(String(shard))) missing.push({ file: `shards/${shard}`, verdict: 'damaged', detail: `missing (layout.json records ${recorded} shards): its series would be empty` });
  }
  return missing;
}

function checkShard(shardDir: string, prefix: string): FileReport[] {
  const segmentsDir = join(shardDir, 'segments');
  if (!existsSync(manifestPath(shardDir))) {
    const present = segmentFilesIn(shardDir);
    if (present.length > 0) {
      const detail = `missing, with ${present.length} segment files that it would list: the server refuses to start the shard (it would take them for orphans and delete them)`;
      return [{ file: `${prefix}/manifest.json`, verdict: 'damaged', detail }, ...checkWal(shardDir, prefix)];
    }
  }
  let manifest;
  try {
    manifest = readManifest(shardDir);
    if (!Array.isArray(manifest.segments)) throw new Error('it lists no segments');
  } catch (err) {
    return [{ file: `${prefix}/manifest.json`, verdict: 'damaged', detail: `unreadable: ${(err as Error).message}` }, ...checkWal(shardDir, prefix)];
  }
  if (!existsSync(segmentsDir)) {
    // Not made here: check leaves the directory as it found it.
    const missing = manifest.segments.map((segment): FileReport => ({ file: `${prefix}/segments/${segment.file}`, verdict: 'damaged', detail: 'missing (no segments folder)' }));
    return [...missing, ...checkWal(shardDir, prefix)];
  }
  const store = new SegmentStore(shardDir);
  try {
    const segments = manifest.segments.map((segment) => checkSegment(store, segment, `${prefix}/segments/${segment.file}`));
    const listed = new Set(manifest.segments.map((segment) => segment.file));
    return [...segments, ...unlistedSegments(shardDir, listed, prefix), ...checkWal(shardDir, prefix)];
  } finally {
    store.close();
  }
}
