import { closeSync, existsSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asDiskWriteError, DiskWriteError } from '../util/checked-write.js';
import { BlockCache } from './block-cache.js';
import type { BlockHeader } from './block-header.js';
import type { SeriesColumns } from './columns.js';
import type { SegmentEntry, SegmentFile } from './manifest.js';
import { decodeSeriesSegment } from './segment-codec.js';
import { blockPiece, readSegmentIndex, SegmentReader, SegmentWriter, SharedSeqCache, type SeriesIndex } from './segment-file.js';
import { seriesBlocks, type Piece } from './series-blocks.js';
import { makeDirectories } from '../util/make-directories.js';

/** Where one series' rows of one segment file are: format 2 lists its blocks. */
export interface SeriesRef {
  readonly file: string;
  readonly entry: SegmentEntry;
  /** Format 2 only; a format 1 entry is one Arrow IPC stream, read whole. */
  readonly blocks?: readonly BlockHeader[];
}

/**
 * A listed segment's per-series summary: the manifest's entries where it lists them (format 1,
 * or a format 2 file listed by a build before 2026-12-04), else its footer's, as `refs` read it.
 */
export function entriesOf(segment: SegmentFile, refs: readonly SeriesRef[]): readonly SegmentEntry[] {
  return segment.entries.length > 0 ? segment.entries : refs.map((ref) => ref.entry);
}

/** One series to write into a new segment: its pieces, oldest first, merged as a scan sees them. */
export interface SeriesSource {
  readonly db: string;
  readonly series: string;
  readonly pieces: readonly Piece[];
  /** Applied to each merged block before it is written (compaction settles erasures). */
  readonly finish?: (rows: SeriesColumns) => SeriesColumns;
}

/** Readers kept open at once; files are immutable, so a reader stays valid until retired. */
const OPEN_READERS = 256;
/** Decoded sequence numbers of shared blocks the shard's readers keep, together (at most 32 KiB each). */
const SHARED_SEQ_BLOCKS = 64;
/** A segment's file name (writes go to a temporary name first). */
const SEGMENT_FILE = /^seg-\d+\.seg$/;

/** The segment files of a shard's folder, in its manifest or not (temporaries left out); none without a folder. */
export function segmentFilesIn(shardDir: string): string[] {
  const dir = join(shardDir, 'segments');
  return existsSync(dir) ? readdirSync(dir).filter((file) => SEGMENT_FILE.test(file)) : [];
}

/**
 * The segment files of one shard and their lifetimes. New files are format 2 (blocks, see
 * segment-file.ts); format 1 files of older builds are still read until compaction rewrites
 * them. A file replaced by a rewrite (database drop, compaction) is retired: it leaves the disk
 * once no open scan holds it, so a query that started before the rewrite reads the snapshot it
 * started with instead of failing on a missing file.
 */
export class SegmentStore {
  private readonly dir: string;
  private readonly holders = new Map<string, number>();
  private readonly retired = new Set<string>();
  /** Open readers, least recently used first. */
  private readonly readers = new Map<string, SegmentReader>();
  private readonly sharedSeq = new SharedSeqCache(SHARED_SEQ_BLOCKS);

  /** Decoded blocks that scans read; flushes, compactions and rewrites read past it. */
  private readonly cache: BlockCache;
  /**
   * Each listed series' pieces as scans read them (through the cache), made once: a query over
   * every series (a `limit 1` over a regex matching all) otherwise built a piece and two closures per
   * block of every series it opened, to load one block of each.
   */
  private readonly scanPieces = new WeakMap<SeriesRef, readonly Piece[]>();

  constructor(shardDir: string, blockCacheBytes = 0) {
    this.cache = new BlockCache(blockCacheBytes);
    this.dir = join(shardDir, 'segments');
    makeDirectories(this.dir);
  }

  /**
   * Write the series, one after another, into a new format 2 file (temp name, fsync, rename).
   * Each series' pieces are merged block by block, so memory stays bounded by the blocks being
   * merged; `pause` runs between series, to let the shard's mailbox in. The caller lists the
   * file in the manifest; until then it does not exist (see removeOrphans).
   */
  async write(id: number, sources: Iterable<SeriesSource>, pause: () => Promise<void>): Promise<{ segment: SegmentFile; refs: SeriesRef[] }> {
    const file = `seg-${String(id).padStart(8, '0')}.seg`;
    const path = join(this.dir, file);
    let writer: SegmentWriter | undefined;
    try {
      writer = new SegmentWriter(path);
      for (const { db, series, pieces, finish } of sources) {
        writer.beginSeries(db, series);
        // Paused between blocks, not only between series: one long series must not hold the shard.
        for (const block of seriesBlocks(pieces, -Infinity, Infinity, 'asc')) {
          writer.addRows(finish ? finish(block) : block);
          await pause();
        }
        writer.endSeries();
      }
      const index = writer.finish();
      const refs = index.series.map((s) => refOf(file, s));
      return { segment: { id, file, format: 2, entries: refs.map((r) => r.entry) }, refs };
    } catch (err) {
      writer?.abort();
      throw err instanceof DiskWriteError || !isErrno(err) ? err : asDiskWriteError(err, path);
    }
  }

  /** The series refs of a listed segment file, with format 2's block index read from its footer. */
  refsOf(segment: SegmentFile): SeriesRef[] {
    if (segment.format !== 2) return segment.entries.map((entry) => ({ file: segment.file, entry }));
    return readSegmentIndex(join(this.dir, segment.file)).series.map((s) => refOf(segment.file, s));
  }

  /**
   * A series' rows in one file as pieces for seriesBlocks, each read only when loaded. With
   * `cached`, decoded blocks are kept in (and taken from) the block cache: scans pass it, work
   * that reads everything once (flush, compaction) does not, so it cannot push scans' blocks out.
   */
  pieces(ref: SeriesRef, cached = false): readonly Piece[] {
    if (!cached) return this.makePieces(ref, false);
    let pieces = this.scanPieces.get(ref);
    if (pieces === undefined) this.scanPieces.set(ref, (pieces = this.makePieces(ref, true)));
    return pieces;
  }

  private makePieces(ref: SeriesRef, cached: boolean): Piece[] {
    const { file, entry, blocks } = ref;
    if (!blocks) {
      return [{ minTime: entry.minTime, maxTime: entry.maxTime, count: entry.count, load: () => this.readWhole(file, entry) }];
    }
    const read = (header: BlockHeader): SeriesColumns => this.reader(file).readBlock(header);
    return blocks.map((header) =>
      blockPiece(header, cached ? () => this.cache.get(file, header.offset, () => read(header)) : () => read(header)),
    );
  }

  /** Where a segment file lies, for a reader outside the shard (a checkpoint's upload). */
  pathOf(file: string): string {
    return join(this.dir, file);
  }

  /** A scan (or a checkpoint) holds these files until it releases them. */
  acquire(files: Iterable<string>): void {
    for (const file of files) this.holders.set(file, (this.holders.get(file) ?? 0) + 1);
  }

  release(files: Iterable<string>): void {
    for (const file of files) {
      const left = (this.holders.get(file) ?? 1) - 1;
      if (left > 0) {
        this.holders.set(file, left);
        continue;
      }
      this.holders.delete(file);
      if (this.retired.delete(file)) this.remove(file);
    }
  }

  /** The manifest no longer lists `file`: delete it now, or when its last reader is done. */
  retire(file: string): void {
    if (this.holders.has(file)) this.retired.add(file);
    else this.remove(file);
  }

  /** A crash between writing a segment and recording it in the manifest leaves a file nobody owns. */
  removeOrphans(known: ReadonlySet<string>): void {
    for (const file of readdirSync(this.dir)) {
      if (!known.has(file)) rmSync(join(this.dir, file), { force: true });
    }
  }

  close(): void {
    for (const reader of this.readers.values()) reader.close();
    this.readers.clear();
  }

  private reader(file: string): SegmentReader {
    let reader = this.readers.get(file);
    if (reader) {
      this.readers.delete(file);
    } else {
      reader = new SegmentReader(join(this.dir, file), this.sharedSeq);
      if (this.readers.size >= OPEN_READERS) {
        const [oldest, evicted] = this.readers.entries().next().value as [string, SegmentReader];
        evicted.close();
        this.readers.delete(oldest);
      }
    }
    this.readers.set(file, reader);
    return reader;
  }

  private readWhole(file: string, entry: SegmentEntry): SeriesColumns {
    const fd = openSync(join(this.dir, file), 'r');
    try {
      const bytes = new Uint8Array(entry.length);
      let done = 0;
      while (done < entry.length) {
        const n = readSync(fd, bytes, done, entry.length - done, entry.offset + done);
        if (n === 0) throw new Error(`segment ${file} is shorter than its manifest says`);
        done += n;
      }
      return decodeSeriesSegment(bytes);
    } finally {
      closeSync(fd);
    }
  }

  private remove(file: string): void {
    this.cache.dropFile(file);
    this.readers.get(file)?.close();
    this.readers.delete(file);
    rmSync(join(this.dir, file), { force: true });
  }
}

function refOf(file: string, s: SeriesIndex): SeriesRef {
  const length = s.blocks.reduce((sum, b) => sum + b.length, 0);
  const entry: SegmentEntry = { db: s.db, series: s.series, offset: 0, length, count: s.count, minTime: s.minTime, maxTime: s.maxTime, maxSeq: s.maxSeq };
  return { file, entry, blocks: s.blocks };
}

function isErrno(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
