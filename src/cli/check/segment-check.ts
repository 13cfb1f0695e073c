import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentFile } from '../../storage/manifest.js';
import { entriesOf, type SegmentStore } from '../../storage/segment-store.js';
import type { FileReport } from './file-report.js';

/**
 * One listed segment file read whole, as a scan would read it: its footer index (format 2) and
 * every block, each against its crc32 and decoded; each series must hold the rows the manifest
 * records for it (format 2: that the footer records).
 */
export function checkSegment(store: SegmentStore, segment: SegmentFile, file: string): FileReport {
  const damaged = (detail: string): FileReport => ({ file, verdict: 'damaged', detail });
  let refs;
  try {
    refs = store.refsOf(segment);
  } catch (err) {
    return damaged((err as Error).message);
  }
  const lister = segment.entries.length > 0 ? 'the manifest' : 'the footer';
  const listed = new Map(entriesOf(segment, refs).map((entry) => [`${entry.db}\0${entry.series}`, entry.count]));
  if (refs.length !== listed.size) return damaged(`${refs.length} series in the file, ${lister} lists ${listed.size}`);
  let blocks = 0;
  let points = 0;
  for (const ref of refs) {
    const { db, series } = ref.entry;
    let rows = 0;
    try {
      for (const piece of store.pieces(ref)) {
        const decoded = piece.load();
        if (decoded.count !== piece.count) return damaged(`${db}/${series}: a block decodes to ${decoded.count} rows, its header says ${piece.count}`);
        rows += decoded.count;
        blocks++;
      }
    } catch (err) {
      return damaged(`${db}/${series}: ${(err as Error).message}`);
    }
    const expected = listed.get(`${db}\0${series}`);
    if (rows !== expected) return damaged(`${db}/${series}: ${rows} rows, ${lister} says ${expected ?? 'nothing of this series'}`);
    points += rows;
  }
  const format = segment.format === 2 ? `${blocks} blocks` : 'format 1';
  return { file, verdict: 'ok', detail: `${refs.length} series, ${format}, ${points} points` };
}

/** Files in the segment folder no manifest lists: an interrupted flush or compaction leaves them. */
export function unlistedSegments(shardDir: string, listed: ReadonlySet<string>, prefix: string): FileReport[] {
  const dir = join(shardDir, 'segments');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !listed.has(name))
    .map((name) => ({ file: `${prefix}/segments/${name}`, verdict: 'note', detail: 'not in the manifest: left by an interrupted flush or compaction, removed at the next start' }));
}
