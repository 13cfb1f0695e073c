import type { SeriesColumns } from './columns.js';
import { pickRows } from './row-pick.js';
import { spanTouches, type Piece, type TimeRange, type TimeSpan } from './series-blocks.js';

/**
 * A delete of one series' points in [startUs, endUs), until compaction has removed them.
 *
 * Tombstones are numbered (`tid`) in the order the shard logged the deletes. Each segment file
 * remembers the tombstone number that was next when its rows were frozen (`tombstoneMark` in
 * the manifest): a tombstone applies to a segment when `tid >= mark`, i.e. when the delete came
 * after the rows were written, so a point written again after a delete stays. The memtable is
 * filtered at once when a delete arrives, so only segments and a flush's frozen rows consult
 * tombstones.
 */
export interface Tombstone {
  readonly tid: number;
  readonly db: string;
  readonly series: string;
  readonly startUs: number;
  readonly endUs: number;
  /** From `drop series`: the series left the catalog too. */
  readonly drop?: boolean;
}

/** A time range of deleted rows. */
export type DeletedRange = TimeRange;

export class TombstoneSet {
  private readonly bySeries = new Map<string, Tombstone[]>();

  /** `next`: the number the next delete gets (persisted in the manifest). */
  constructor(
    public next: number,
    tombstones: readonly Tombstone[],
  ) {
    for (const tombstone of tombstones) this.add(tombstone);
  }

  add(tombstone: Tombstone): void {
    const key = seriesKey(tombstone.db, tombstone.series);
    const list = this.bySeries.get(key);
    if (list?.some((t) => t.tid === tombstone.tid)) return;
    if (list) list.push(tombstone);
    else this.bySeries.set(key, [tombstone]);
    if (tombstone.tid >= this.next) this.next = tombstone.tid + 1;
  }

  /** Ranges deleted from rows of `series` written before tombstone number `mark`, overlapping [min, max]. */
  rangesFor(db: string, series: string, mark: number, minTime = -Infinity, maxTime = Infinity): DeletedRange[] {
    const list = this.bySeries.get(seriesKey(db, series));
    if (!list) return [];
    return list.filter((t) => t.tid >= mark && t.startUs <= maxTime && t.endUs > minTime);
  }

  /** Whether the series has any tombstone; most shards have none at all, and answer at once. */
  any(db: string, series: string): boolean {
    return this.bySeries.size > 0 && this.bySeries.has(seriesKey(db, series));
  }

  /** Tombstones of `series` numbered at or above `mark`. */
  since(db: string, series: string, mark: number): Tombstone[] {
    return (this.bySeries.get(seriesKey(db, series)) ?? []).filter((t) => t.tid >= mark);
  }

  all(): Tombstone[] {
    return [...this.bySeries.values()].flat();
  }

  /** Keeps only the tombstones `keep` accepts (compaction made the others moot). */
  retain(keep: (tombstone: Tombstone) => boolean): void {
    for (const [key, list] of this.bySeries) {
      const kept = list.filter(keep);
      if (kept.length === 0) this.bySeries.delete(key);
      else if (kept.length !== list.length) this.bySeries.set(key, kept);
    }
  }
}

function seriesKey(db: string, series: string): string {
  return `${db}\0${series}`;
}

/** Whether `time` lies in one of the ranges. */
function inRanges(time: number, ranges: readonly DeletedRange[]): boolean {
  for (const range of ranges) if (time >= range.startUs && time < range.endUs) return true;
  return false;
}

/** `rows` without the rows whose time lies in `ranges` (the same object when none does). */
export function withoutRanges(rows: SeriesColumns, ranges: readonly DeletedRange[]): SeriesColumns {
  if (ranges.length === 0) return rows;
  const keep: number[] = [];
  for (let i = 0; i < rows.count; i++) if (!inRanges(rows.time[i]!, ranges)) keep.push(i);
  return keep.length === rows.count ? rows : pickRows(rows, keep);
}

/** The ranges that may hold rows of `span`: those that reach into [minTime, maxTime]. */
export function rangesTouching(ranges: readonly DeletedRange[], span: TimeSpan): readonly DeletedRange[] {
  // A delete asks this of every chunk of every series it names: the usual answers (none, or
  // all of them) allocate nothing.
  let touching = 0;
  for (const r of ranges) if (spanTouches(span, r.startUs, r.endUs)) touching++;
  if (touching === ranges.length) return ranges;
  return touching === 0 ? NO_RANGES : ranges.filter((r) => spanTouches(span, r.startUs, r.endUs));
}

const NO_RANGES: readonly DeletedRange[] = [];

/**
 * A piece whose rows in `ranges` are left out when it is loaded. Its header statistics no
 * longer describe what it yields, so it has none: aggregates decode it.
 */
export function tombstonedPiece(piece: Piece, ranges: readonly DeletedRange[]): Piece {
  const touching = rangesTouching(ranges, piece);
  if (touching.length === 0) return piece;
  // Leaving rows out keeps the others in order: a sorted piece stays sorted.
  const load = (): SeriesColumns => withoutRanges(piece.load(), touching);
  return { minTime: piece.minTime, maxTime: piece.maxTime, count: piece.count, ...(piece.sorted ? { sorted: true } : {}), hidden: touching, load };
}
