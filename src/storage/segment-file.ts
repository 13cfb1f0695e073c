/**
 * Segment file format 2: many series, each a run of blocks in time order, and an index at
 * the end so opening a file reads its footer only.
 *
 *     "SLUSEG02"  block block … block  footer  u32 footer length  u32 crc32(footer)  "SLUSEG02"
 *     footer: raw DEFLATE of the JSON of { version: 2, series: SeriesIndex[] }
 *
 * Every block header in the index carries its byte range and the crc32 of its bytes, so a
 * damaged block is detected when read, and a damaged footer when the file is opened; both
 * are SegmentCorruptError. Numbers are little-endian.
 *
 * A block whose sequence numbers step exactly as those of an earlier block in the file stores
 * only its first (block codec 3), and its header names that block (`seqFrom`). Sequence
 * numbers are the order requests arrived in: every series a time-major workload writes is in
 * the same requests, so the blocks of one time range share their steps. On the peer bench's
 * workload they took 0.087 B of its 1.43 B a point in blocks, and 0.0002 B shared.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { syncDirectory } from '../util/atomic-file.js';
import { writeAllSync } from '../util/checked-write.js';
import { BLOCK_ROWS, decodeBlock, encodeBlock, sameSteps, SEGMENT_BLOCK_ROWS } from './block-codec.js';
import { summarizeBlock, type BlockHeader, type SeqSource } from './block-header.js';
import type { SeriesColumns } from './columns.js';
import { combinePieces } from './combine.js';
import { SegmentCorruptError } from './compression.js';
import { DeflateHistory } from './deflate-parts.js';
import { sliceRows } from './row-slice.js';
import type { Piece } from './series-blocks.js';

export interface SeriesIndex {
  readonly db: string;
  readonly series: string;
  readonly count: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly maxSeq: number;
  /** In time order; together they hold the series' rows sorted by (time, sequence_number). */
  readonly blocks: readonly BlockHeader[];
}

export interface SegmentIndex {
  readonly version: 2;
  readonly series: readonly SeriesIndex[];
}

const MAGIC = Buffer.from('SLUSEG02', 'latin1');
const TRAILER_BYTES = 8 + MAGIC.byteLength;
/** Blocks are gathered up to this many bytes before each write, so a flush never holds a whole file. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Fewer rows' sequence numbers cost about what naming another block does. */
const MIN_SHARED_SEQ_ROWS = 64;
/** Blocks a writer keeps the sequence numbers of, for later blocks to share (at most 32 KiB each). */
const SEQ_SOURCES = 64;
/** Shared blocks' sequence numbers a reader keeps decoded, unless it is given a cache to share. */
const READER_SEQ_SOURCES = 16;

/** A block written whole whose sequence numbers later blocks may share. */
interface SeqSourceBlock {
  readonly at: SeqSource;
  readonly seq: Float64Array;
}

/**
 * A cheap key of a run's steps (its length and step sizes), for finding a block that may share
 * them. Two different runs with one key are rare; the second is then stored whole.
 */
function stepsKey(seq: Float64Array): number {
  let h = seq.length | 0;
  for (let i = 1; i < seq.length; i++) h = Math.imul(h ^ ((seq[i]! - seq[i - 1]!) | 0), 16777619);
  return h;
}

interface OpenSeries {
  readonly db: string;
  readonly series: string;
  readonly blocks: BlockHeader[];
  /** Rows not yet in a block: fewer than a block's worth plus a newest block's. */
  pending: SeriesColumns[];
  pendingCount: number;
  lastTime: number;
  lastSeq: number;
  /** How the series' blocks compressed so far. */
  readonly deflate: DeflateHistory;
}

/**
 * Writes one segment file under a temp name; `finish` makes it appear whole under `path`.
 * Series go in one after another: beginSeries, addRows as often as needed, endSeries.
 */
export class SegmentWriter {
  private readonly temp: string;
  private fd: number | undefined;
  private position = 0;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private readonly index: SeriesIndex[] = [];
  private current: OpenSeries | undefined;
  /** By stepsKey: blocks of this file written whole whose sequence numbers may be shared. */
  private readonly seqSources = new Map<number, SeqSourceBlock>();

  /**
   * Each series' blocks hold `blockRows` rows, except its newest, which holds at most
   * `newestRows` (and the one before it, the rest). Other sizes are for benchmarks that
   * compare them.
   */
  constructor(
    readonly path: string,
    private readonly blockRows = SEGMENT_BLOCK_ROWS,
    private readonly newestRows = BLOCK_ROWS,
  ) {
    this.temp = `${path}.tmp`;
    this.fd = openSync(this.temp, 'w');
    this.append(MAGIC);
  }

  beginSeries(db: string, series: string): void {
    if (this.current) throw new RangeError(`series ${this.current.series} is still open`);
    this.current = { db, series, blocks: [], pending: [], pendingCount: 0, lastTime: -Infinity, lastSeq: -Infinity, deflate: new DeflateHistory() };
  }

  /**
   * Rows sorted by (time, sequence_number), all after the rows added before for this series.
   * Up to a block's worth of them, and a newest block's, is kept by reference until the block
   * fills or endSeries, so the caller must not change them before then.
   */
  addRows(rows: SeriesColumns): void {
    const current = this.openSeries();
    for (let i = 0; i < rows.count; i++) {
      const t = rows.time[i]!;
      const s = rows.seq[i]!;
      if (t < current.lastTime || (t === current.lastTime && s <= current.lastSeq)) {
        throw new RangeError(`rows of ${current.series} are not in (time, sequence_number) order at row ${i}`);
      }
      current.lastTime = t;
      current.lastSeq = s;
    }
    // A full block is written only once a newest block's worth of rows follows it, so the
    // series can still end with a small block whatever comes next.
    const holds = this.blockRows + this.newestRows;
    let from = 0;
    while (from < rows.count) {
      const take = Math.min(holds - current.pendingCount, rows.count - from);
      current.pending.push(sliceRows(rows, from, from + take));
      current.pendingCount += take;
      from += take;
      if (current.pendingCount === holds) this.writePendingBlock(current, this.blockRows);
    }
  }

  endSeries(): void {
    const current = this.openSeries();
    // The newest rows in a small block of their own: `limit 1`, and a query of the last hour,
    // decode that block, not a full one.
    if (current.pendingCount > this.newestRows) this.writePendingBlock(current, current.pendingCount - this.newestRows);
    if (current.pendingCount > 0) this.writePendingBlock(current, current.pendingCount);
    this.current = undefined;
    const { blocks } = current;
    if (blocks.length === 0) return;
    this.index.push({
      db: current.db,
      series: current.series,
      count: blocks.reduce((sum, b) => sum + b.count, 0),
      minTime: blocks[0]!.minTime,
      maxTime: blocks[blocks.length - 1]!.maxTime,
      maxSeq: blocks.reduce((max, b) => Math.max(max, b.maxSeq), -Infinity),
      blocks,
    });
  }

  /** Write the footer, fsync, and rename into place (then fsync the directory). */
  finish(): SegmentIndex {
    if (this.current) throw new RangeError(`series ${this.current.series} is still open`);
    const index: SegmentIndex = { version: 2, series: this.index };
    const footer = deflateRawSync(JSON.stringify(index));
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(footer.byteLength, 0);
    trailer.writeUInt32LE(crc32(footer), 4);
    MAGIC.copy(trailer, 8);
    this.append(footer);
    this.append(trailer);
    const fd = this.openFd();
    this.flushBuffer(fd);
    fsyncSync(fd);
    closeSync(fd);
    this.fd = undefined;
    renameSync(this.temp, this.path);
    syncDirectory(dirname(this.path));
    return index;
  }

  /** Give up: close and remove the temp file. Safe to call after a failed write. */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.buffered = [];
    rmSync(this.temp, { force: true });
  }

  /** Writes the first `count` pending rows as a block; the rest stay pending. */
  private writePendingBlock(current: OpenSeries, count: number): void {
    const pending = combinePieces(current.series, current.pending);
    const rows = count === pending.count ? pending : sliceRows(pending, 0, count);
    current.pending = count === pending.count ? [] : [sliceRows(pending, count, pending.count)];
    current.pendingCount = pending.count - count;
    const seq = rows.seq.subarray(0, rows.count);
    const key = rows.count >= MIN_SHARED_SEQ_ROWS ? stepsKey(seq) : undefined;
    const source = key === undefined ? undefined : this.seqSources.get(key);
    const shared = source !== undefined && sameSteps(seq, source.seq) ? source : undefined;
    const bytes = encodeBlock(rows, current.deflate, shared?.seq);
    const at: SeqSource = [this.position, bytes.byteLength, crc32(bytes)];
    current.blocks.push({ ...summarizeBlock(rows), offset: at[0], length: at[1], crc: at[2], ...(shared === undefined ? {} : { seqFrom: shared.at }) });
    if (key !== undefined && source === undefined && this.seqSources.size < SEQ_SOURCES) this.seqSources.set(key, { at, seq: seq.slice() });
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    this.buffered.push(bytes);
    this.bufferedBytes += bytes.byteLength;
    this.position += bytes.byteLength;
    if (this.bufferedBytes >= WRITE_BUFFER_BYTES) this.flushBuffer(this.openFd());
  }

  private flushBuffer(fd: number): void {
    writeAllSync(fd, this.temp, this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  private openSeries(): OpenSeries {
    if (!this.current) throw new RangeError('no series is open');
    return this.current;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new RangeError(`segment ${this.path} is already finished or aborted`);
    return this.fd;
  }
}

/** The index of a segment file, from its footer alone. */
export function readSegmentIndex(path: string): SegmentIndex {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < MAGIC.byteLength + TRAILER_BYTES) throw new SegmentCorruptError(`${path} is too short to be a segment`);
    const head = readExactly(fd, path, 0, MAGIC.byteLength);
    const trailer = readExactly(fd, path, size - TRAILER_BYTES, TRAILER_BYTES);
    if (!head.equals(MAGIC) || !trailer.subarray(8).equals(MAGIC)) {
      throw new SegmentCorruptError(`${path} does not start and end with the segment format 2 magic`);
    }
    const footerLength = trailer.readUInt32LE(0);
    const footerStart = size - TRAILER_BYTES - footerLength;
    if (footerStart < MAGIC.byteLength) throw new SegmentCorruptError(`${path} has a footer longer than the file`);
    const footer = readExactly(fd, path, footerStart, footerLength);
    if (crc32(footer) !== trailer.readUInt32LE(4)) throw new SegmentCorruptError(`${path} has a corrupt footer (crc mismatch)`);
    let index: unknown;
    try {
      index = JSON.parse(inflateRawSync(footer).toString('utf8'));
    } catch (error) {
      throw new SegmentCorruptError(`${path} has an unreadable footer: ${String(error)}`);
    }
    return validIndex(index, path, footerStart);
  } finally {
    closeSync(fd);
  }
}

/**
 * Decoded sequence numbers of blocks that others share, by file and offset, least recently
 * used first: at most `limit` of them (each at most 32 KiB), however many files are open.
 */
export class SharedSeqCache {
  private readonly entries = new Map<string, Float64Array>();

  constructor(private readonly limit: number) {}

  get(path: string, offset: number, decode: () => Float64Array): Float64Array {
    const key = `${offset}:${path}`;
    let seq = this.entries.get(key);
    if (seq === undefined) {
      seq = decode();
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    } else {
      this.entries.delete(key);
    }
    this.entries.set(key, seq);
    return seq;
  }
}

/** Reads blocks of one segment file through one open descriptor until closed. */
export class SegmentReader {
  private fd: number | undefined;

  /** `seqCache`: where the sequence numbers of blocks others share are kept (a shard's readers share one). */
  constructor(
    readonly path: string,
    private readonly seqCache = new SharedSeqCache(READER_SEQ_SOURCES),
  ) {
    this.fd = openSync(path, 'r');
  }

  readBlock(header: BlockHeader): SeriesColumns {
    const { seqFrom } = header;
    return decodeBlock(this.blockBytes(header.offset, header.length, header.crc), seqFrom === undefined ? undefined : () => this.sharedSeq(seqFrom));
  }

  private blockBytes(offset: number, length: number, crc: number): Buffer {
    if (this.fd === undefined) throw new RangeError(`segment reader for ${this.path} is closed`);
    const bytes = readExactly(this.fd, this.path, offset, length);
    if (crc32(bytes) !== crc) throw new SegmentCorruptError(`${this.path} has a corrupt block at offset ${offset}`);
    return bytes;
  }

  /** The sequence numbers of the block at `source`, which another block's steps follow. */
  private sharedSeq([offset, length, crc]: SeqSource): Float64Array {
    // A source stores its own numbers (the writer never names a block that shares); copied
    // out, so the rest of the decoded block is not kept with them.
    return this.seqCache.get(this.path, offset, () => decodeBlock(this.blockBytes(offset, length, crc)).seq.slice());
  }

  /** The series' blocks as pieces for seriesBlocks, each decoded only when loaded. */
  pieces(entry: SeriesIndex): Piece[] {
    return entry.blocks.map((header) => blockPiece(header, () => this.readBlock(header)));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readExactly(fd: number, path: string, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, position + done);
    if (read === 0) throw new SegmentCorruptError(`${path} ends before byte ${position + length}`);
    done += read;
  }
  return bytes;
}

/** The parsed footer, checked enough that readers can trust its numbers. */
function validIndex(value: unknown, path: string, blocksEnd: number): SegmentIndex {
  const fail = (why: string): never => {
    throw new SegmentCorruptError(`${path} has an invalid index: ${why}`);
  };
  const index = value as SegmentIndex;
  if (typeof index !== 'object' || index === null || index.version !== 2 || !Array.isArray(index.series)) fail('not a version 2 index');
  for (const s of index.series) {
    if (typeof s.db !== 'string' || typeof s.series !== 'string' || !Array.isArray(s.blocks)) fail('malformed series entry');
    for (const b of s.blocks) {
      const numbers = [b.minTime, b.maxTime, b.count, b.maxSeq, b.offset, b.length, b.crc];
      if (!numbers.every((n) => typeof n === 'number') || !Array.isArray(b.stats) || !validKinds(b.kinds)) fail(`malformed block of ${s.series}`);
      if (b.offset < MAGIC.byteLength || b.offset + b.length > blocksEnd) fail(`block of ${s.series} outside the file`);
      if (b.seqFrom !== undefined && !validSeqSource(b.seqFrom, blocksEnd)) fail(`block of ${s.series} shares the sequence numbers of no block of the file`);
    }
  }
  return index;
}

/** A shared block's place: three numbers, within the file's blocks. */
function validSeqSource(source: unknown, blocksEnd: number): boolean {
  if (!Array.isArray(source) || source.length !== 3 || !source.every((n) => typeof n === 'number')) return false;
  const [offset, length] = source as [number, number, number];
  return offset >= MAGIC.byteLength && length > 0 && offset + length <= blocksEnd;
}

/** A block header's kinds: absent (an older file), or a number per column. */
function validKinds(kinds: unknown): boolean {
  return kinds === undefined || (typeof kinds === 'object' && kinds !== null && Object.values(kinds).every((k) => typeof k === 'number'));
}

/**
 * A block as a piece for seriesBlocks: its header's bounds, stats and kinds, its rows read by `load`.
 * SegmentWriter refuses rows out of (time, seq) order, so every block is sorted and unique.
 */
export function blockPiece(header: BlockHeader, load: () => SeriesColumns): Piece {
  const { minTime, maxTime, count, stats, kinds } = header;
  return { minTime, maxTime, count, stats, kinds, sorted: true, load };
}
