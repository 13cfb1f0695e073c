/**
 * What a shard hands its readers: each series as it stood when the read began, block by
 * block. The operators that read them (scan, block and aggregate cursors) live above storage,
 * in the query layer; a restricted reader's condition reaches storage already compiled, as a
 * `SnapshotRestriction`, so storage never parses or evaluates the query language itself.
 */
import type { Column, SeriesColumns } from './columns.js';
import type { AnsweredFromStats } from './series-blocks.js';

/** What a row filter reads of a block: its columns by name, and each row's time and sequence number. */
export interface FilterBlock {
  readonly count: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  column(name: string): Column | undefined;
}

/** A mask `count` long: 1 for each row of [from, to) that passes, 0 elsewhere. */
export type BlockFilter = (block: FilterBlock, from: number, to: number) => Uint8Array;

/**
 * One series as a read found it when it opened; loaded when the reader reaches it. `blocks`
 * yields the rows in [start, end) as time-sorted blocks, in the read's order (descending reads
 * get the newest block first; rows inside a block stay ascending), so a reader holds one block
 * at a time and a `limit` stops the loading early. Blocks hold at most `maxRows` rows
 * (BLOCK_ROWS when not given): an aggregate asks for SEGMENT_BLOCK_ROWS, so that a segment
 * block it decodes is folded as one run of rows, as its header's sum was.
 */
export interface SeriesSnapshot {
  readonly columns: readonly string[];
  blocks(answered?: AnsweredFromStats, maxRows?: number): Iterator<SeriesColumns>;
  /**
   * Set for a restricted reader's series: its blocks before the restriction, and the
   * restriction as a mask, for a reader that masks rows itself instead of having the passing
   * rows copied out of every block.
   */
  readonly restriction?: { readonly filter: BlockFilter; unfilteredBlocks(): Iterator<SeriesColumns> };
}

/**
 * A restricted reader's condition on one series' rows, compiled by the query layer
 * (operators/restricted-snapshot.ts).
 */
export interface SnapshotRestriction {
  /** The same for the same condition: the shard keeps each series' visible columns under it. */
  readonly key: string;
  /** The series as the reader sees it: only passing rows, and only `columns` (default: all). */
  restrict(snapshot: SeriesSnapshot, columns?: readonly string[]): SeriesSnapshot;
  /** The columns of `order` that hold a value in some passing row of the whole, unrestricted `snapshot`. */
  visibleColumns(snapshot: SeriesSnapshot, order: readonly string[]): string[];
}

/** Per series name, the restriction its reader's rows must pass. */
export type SnapshotRestrictions = Readonly<Record<string, SnapshotRestriction>>;

/** Which series a read covers, over which range, in which order; the columns each must have had. */
export interface SnapshotRequest {
  readonly db: string;
  readonly series: readonly string[];
  readonly startUs: number;
  readonly endUs: number;
  readonly order: 'asc' | 'desc';
  readonly requiredColumns: readonly string[];
  /** A restricted reader's per-series conditions: the snapshot holds only rows that pass. */
  readonly restrictions?: SnapshotRestrictions;
}

/** The entry of a per-series record for `series`, if it has its own (a name such as `constructor` must not find the prototype's). */
export function restrictionFor<T>(restrictions: Readonly<Record<string, T>> | undefined, series: string): T | undefined {
  return restrictions !== undefined && Object.hasOwn(restrictions, series) ? restrictions[series] : undefined;
}
