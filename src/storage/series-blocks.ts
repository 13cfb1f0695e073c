import { BLOCK_ROWS } from './block-codec.js';
import type { KindSet } from './kind-set.js';
import type { ColumnStats } from './block-header.js';
import type { SeriesColumns } from './columns.js';
import { combinePieces } from './combine.js';
import { lowerBound, sliceRows } from './row-slice.js';

/** The times a piece's rows lie in. */
export interface TimeSpan {
  readonly minTime: number;
  readonly maxTime: number;
}

/** Times from `startUs` up to, not including, `endUs`. */
export interface TimeRange {
  readonly startUs: number;
  readonly endUs: number;
}

/** Whether `span` reaches into [startUs, endUs). */
export function spanTouches(span: TimeSpan, startUs: number, endUs: number): boolean {
  return span.maxTime >= startUs && span.minTime < endUs;
}

/**
 * Rows of one series that can be loaded on demand: a segment block, or a memtable chunk.
 * `minTime`/`maxTime` bound the rows' times; the rows themselves need not be sorted.
 */
export interface Piece extends TimeSpan {
  readonly count: number;
  /** A segment block's per-column statistics (block-header.ts); memtable chunks have none. */
  readonly stats?: readonly ColumnStats[];
  /** A segment block's column kinds (block-header.ts), when its file recorded them. */
  readonly kinds?: Readonly<Record<string, KindSet>>;
  /**
   * Rows already strictly increasing by (time, sequence_number), as a segment block is
   * written: a piece alone in its group is then used as loaded, without a check per row.
   */
  readonly sorted?: boolean;
  /** Time ranges [startUs, endUs) whose rows `load` leaves out (deletes not yet compacted away). */
  readonly hidden?: readonly TimeRange[];
  load(): SeriesColumns;
}

/**
 * Offered each piece that lies wholly inside the range and overlaps no other: true means the
 * consumer took what it needs of its rows from the piece's header (stats, kinds), so the
 * piece is neither loaded nor yielded.
 */
export type AnsweredFromStats = (piece: Piece) => boolean;

/**
 * One series' rows with time in [startUs, endUs), as blocks of at most `maxRows` rows sorted
 * by (time, sequence_number). `pieces` are given oldest first (segment blocks in flush
 * order, then memtable chunks); rows sharing (time, sequence_number) merge as in
 * combinePieces, each column taking its newest non-null value.
 *
 * In `desc` order the blocks come newest first but the rows inside each block stay
 * ascending, so a consumer walks each block backwards.
 *
 * Pieces outside the range are never loaded, and nothing is loaded before the consumer asks
 * for the next block, so a consumer that stops early (`limit 1`) stops the loading too.
 * Pieces whose time ranges overlap, directly or through others, are loaded and merged
 * together: memory is bounded by the largest such group, not by the series. A piece that
 * overlaps nothing and is sorted is yielded as views over its own arrays, without copying.
 */
export function* seriesBlocks(
  pieces: readonly Piece[],
  startUs: number,
  endUs: number,
  order: 'asc' | 'desc',
  maxRows: number = BLOCK_ROWS,
  answered?: AnsweredFromStats,
): Generator<SeriesColumns> {
  const touching = piecesTouching(pieces, startUs, endUs);
  // Segment blocks come sorted and disjoint: then each piece is its own group, and no group
  // is built (a `limit 1` over every series reads one block of each).
  const groups = disjointAscending(touching) ? undefined : overlappingGroups(touching);
  const count = groups?.length ?? touching.length;
  for (let k = 0; k < count; k++) {
    const at = order === 'desc' ? count - 1 - k : k;
    const group = groups?.[at];
    const only = group === undefined ? touching[at]! : group.length === 1 ? group[0]! : undefined;
    if (answered && only && only.minTime >= startUs && only.maxTime < endUs && answered(only)) continue;
    const rows = only?.sorted ? only.load() : combineLoaded(group ?? [only!]);
    // A piece whose header puts it inside the range needs no search: a block scans find cold in
    // memory costs a cache miss for each row a search looks at.
    const inside = only !== undefined && only.minTime >= startUs && only.maxTime < endUs;
    const from = inside ? 0 : lowerBound(rows.time, rows.count, startUs);
    const to = inside ? rows.count : lowerBound(rows.time, rows.count, endUs);
    if (order === 'asc') {
      for (let i = from; i < to; i += maxRows) yield sliceRows(rows, i, Math.min(to, i + maxRows));
    } else {
      for (let i = to; i > from; i -= maxRows) yield sliceRows(rows, Math.max(from, i - maxRows), i);
    }
  }
}

/** The non-empty pieces with rows in [startUs, endUs), oldest first as given. */
function piecesTouching(pieces: readonly Piece[], startUs: number, endUs: number): readonly Piece[] {
  let all = true;
  for (let i = 0; i < pieces.length && all; i++) all = touches(pieces[i]!, startUs, endUs);
  if (all) return pieces;
  const touching: Piece[] = [];
  for (const piece of pieces) if (touches(piece, startUs, endUs)) touching.push(piece);
  return touching;
}

function touches(piece: Piece, startUs: number, endUs: number): boolean {
  if (!(piece.count > 0 && spanTouches(piece, startUs, endUs))) return false;
  // A piece whose rows in the range were all deleted is not read: a count over an hour just
  // deleted from 1000 series loaded and filtered a block of each (150–235 ms).
  return piece.hidden === undefined || !covered(piece.hidden, Math.max(startUs, piece.minTime), Math.min(endUs, piece.maxTime + 1));
}

/** Whether `ranges` together hold every (integer µs) time in [from, to). */
function covered(ranges: readonly TimeRange[], from: number, to: number): boolean {
  const sorted = ranges.length === 1 ? ranges : [...ranges].sort((a, b) => a.startUs - b.startUs);
  let at = from;
  for (const range of sorted) {
    if (range.startUs > at) break;
    at = Math.max(at, range.endUs);
    if (at >= to) return true;
  }
  return at >= to;
}

/** Whether each piece starts after the one before it ends (equal times overlap). */
export function disjointAscending(pieces: readonly TimeSpan[]): boolean {
  for (let i = 1; i < pieces.length; i++) if (pieces[i]!.minTime <= pieces[i - 1]!.maxTime) return false;
  return true;
}

function combineLoaded(group: readonly Piece[]): SeriesColumns {
  const loaded = group.map((piece) => piece.load());
  return combinePieces(loaded[0]!.series, loaded);
}

/**
 * The touching pieces (oldest first) in groups whose time ranges overlap transitively, groups
 * in ascending time order and each group's pieces oldest first.
 */
export function overlappingGroups<T extends TimeSpan>(pieces: readonly T[]): T[][] {
  const touching = pieces.map((piece, age) => ({ piece, age }));
  touching.sort((a, b) => a.piece.minTime - b.piece.minTime || a.age - b.age);
  const groups: T[][] = [];
  let group: { piece: T; age: number }[] = [];
  let groupMaxTime = -Infinity;
  const close = (): void => {
    if (group.length > 1) group.sort((a, b) => a.age - b.age);
    if (group.length > 0) groups.push(group.map(({ piece }) => piece));
  };
  for (const entry of touching) {
    // Equal times overlap: rows at one instant may be one point, or need ordering by seq.
    if (entry.piece.minTime > groupMaxTime) {
      close();
      group = [];
    }
    group.push(entry);
    groupMaxTime = Math.max(groupMaxTime, entry.piece.maxTime);
  }
  close();
  return groups;
}
