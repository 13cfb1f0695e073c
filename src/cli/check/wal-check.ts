import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { listWalFiles, scanWalRecords, walFileName } from '../../storage/wal.js';
import type { FileReport } from './file-report.js';

/** A record cut short at the end of the newest file is what a crash mid-append leaves. */
const TORN_TAIL = /^(short record header|zero-length record|record of \d+ bytes runs past)/;

/**
 * Every record of every WAL file of a shard against its crc32. The newest file may end in a
 * torn record after a crash: the server cuts it at its next start, so that is only noted;
 * anything else that stops the reading — a checksum mismatch, a bad record in an older file —
 * loses the records after it, and the file is damaged.
 */
export function checkWal(shardDir: string, prefix: string): FileReport[] {
  const dir = join(shardDir, 'wal');
  if (!existsSync(dir)) return [];
  const numbers = listWalFiles(dir);
  return numbers.map((number, i) => {
    const file = `${prefix}/wal/${walFileName(number)}`;
    let fd: number;
    try {
      fd = openSync(join(dir, walFileName(number)), 'r');
    } catch (err) {
      return { file, verdict: 'damaged', detail: `unreadable: ${(err as Error).message}` };
    }
    try {
      if (!fstatSync(fd).isFile()) return { file, verdict: 'damaged', detail: 'not a file' };
      const scan = scanWalRecords(fd);
      if (scan.problem === undefined) return { file, verdict: 'ok', detail: `${scan.records} records, ${scan.fileSize} bytes` };
      const where = `${scan.problem} at byte ${scan.goodEnd} of ${scan.fileSize}, after ${scan.records} good records`;
      const newest = i === numbers.length - 1;
      if (scan.goodRecordAt !== undefined) {
        const after = `; a good record follows at byte ${scan.goodRecordAt}, so this is damage, not a torn tail (the server cuts the file there, keeping the cut bytes beside it)`;
        return { file, verdict: 'damaged', detail: where + after };
      }
      return newest && TORN_TAIL.test(scan.problem)
        ? { file, verdict: 'note', detail: `torn tail: ${where} (a crash mid-write; the server cuts it at its next start)` }
        : { file, verdict: 'damaged', detail: where };
    } finally {
      closeSync(fd);
    }
  });
}
