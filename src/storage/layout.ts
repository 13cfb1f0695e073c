import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../log.js';
import { StartupError } from '../startup-error.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/**
 * How a data directory's files are to be read, fixed when the directory is first used. A series
 * lives on the shard its name hashes to modulo the shard count, so under existing data that
 * count cannot change: another count would look for every series on the wrong shard.
 */
export interface StorageLayout {
  readonly formatVersion: typeof FORMAT_VERSION;
  readonly shards: number;
}

const FORMAT_VERSION = 1;
export const LAYOUT_FILE = 'layout.json';

/**
 * The data directory's recorded layout, recording one first if there is none. `requestedShards`
 * is the shard count the operator set, undefined when they set none; then a recorded count
 * wins over `defaultShards`, so a directory moved to a machine with other cores just works.
 */
/** Shards a data directory may have: a write names the shards it touches in a 32-bit mask. */
export const MAX_SHARDS = 32;

export function openLayout(dataDir: string, requestedShards: number | undefined, defaultShards: number, log: Logger): StorageLayout {
  const path = join(dataDir, LAYOUT_FILE);
  if (existsSync(path)) {
    const recorded = readLayout(path);
    return checkedAgainstRequest(recorded, dataDir, requestedShards, defaultShards, log);
  }
  const fromFolders = shardFolderCount(dataDir);
  const layout: StorageLayout =
    fromFolders === 0
      ? { formatVersion: FORMAT_VERSION, shards: requestedShards ?? defaultShards }
      : checkedAgainstRequest({ formatVersion: FORMAT_VERSION, shards: fromFolders }, dataDir, requestedShards, defaultShards, log);
  writeFileAtomic(path, `${JSON.stringify(layout)}\n`);
  log.info({ dataDir, shards: layout.shards, from: fromFolders === 0 ? 'settings' : 'shard folders' }, 'recorded the data directory layout');
  return layout;
}

function checkedAgainstRequest(
  recorded: StorageLayout,
  dataDir: string,
  requestedShards: number | undefined,
  defaultShards: number,
  log: Logger,
): StorageLayout {
  if (recorded.shards > MAX_SHARDS) {
    // A write names its shards in a 32-bit mask (transactions.ts); older builds allowed more.
    throw new StartupError(
      `data directory ${resolve(dataDir)} holds ${recorded.shards} shards; this Sluice serves at most ${MAX_SHARDS} ` +
        '(a write names the shards it touches in a 32-bit mask)',
    );
  }
  if (requestedShards !== undefined && requestedShards !== recorded.shards) {
    throw new StartupError(
      `the shard count is set to ${requestedShards} (--shards, SLUICE_SHARDS or shards in the config file), ` +
        `but data directory ${resolve(dataDir)} holds ${recorded.shards} shards; series are placed by the shard count, ` +
        `so it cannot change under existing data: remove the setting or set it to ${recorded.shards}`,
    );
  }
  if (requestedShards === undefined && recorded.shards !== defaultShards) {
    log.info({ dataDir, shards: recorded.shards, defaultShards }, 'using the shard count recorded in the data directory');
  }
  return recorded;
}

export function readLayout(path: string): StorageLayout {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StartupError(`cannot read ${resolve(path)}: ${(err as Error).message}`);
  }
  const { formatVersion, shards } = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  if (formatVersion !== FORMAT_VERSION) {
    throw new StartupError(`${resolve(path)} records format version ${String(formatVersion)}; this Sluice reads version ${FORMAT_VERSION}`);
  }
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) {
    throw new StartupError(`${resolve(path)} records no valid shard count (${String(shards)})`);
  }
  return { formatVersion, shards };
}

/**
 * Shards a directory from before layout.json had: each shard made its folder `shards/<n>/` on
 * its first start, so the highest index present tells the count it ran with.
 */
function shardFolderCount(dataDir: string): number {
  const shardsDir = join(dataDir, 'shards');
  if (!existsSync(shardsDir)) return 0;
  const indexes = readdirSync(shardsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d+$/.test(entry.name))
    .map((entry) => Number(entry.name));
  return indexes.length === 0 ? 0 : Math.max(...indexes) + 1;
}
