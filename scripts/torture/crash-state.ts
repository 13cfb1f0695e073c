/**
 * A copy of the data directory as the last kill left it, taken before the restart changes it
 * (WAL tails cut, recovery flushes), so a failing cycle can be replayed by starting a server
 * on a copy of it. Segment files never change once written, so they are hard-linked.
 */
import { copyFile, link, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

export async function saveCrashState(dataDir: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await copyTree(dataDir, dest);
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target);
    else if (path.basename(from) === 'segments') await link(source, target);
    else await copyFile(source, target);
  }
}
