/**
 * The cursors open on one shard thread: scans that answer JSON or Arrow pages, and block
 * cursors that feed merges and joins. Each reads snapshots the shard handed out and holds
 * their segment files until it is done or closed, so a drop or rewrite that runs while a
 * query is paged out leaves them readable. The shard stores; the cursors read.
 */
import type { SeriesColumns } from '../storage/columns.js';
import type { KindSet } from '../storage/kind-set.js';
import type { SeriesSnapshot, SnapshotRequest } from '../storage/series-snapshot.js';
import { ShardError, type Shard } from '../storage/shard.js';
import { BlockCursor, type BlockScanRequest } from './block-cursor.js';
import type { SeriesRestrictions } from '../query/plan.js';
import { compileRestrictions } from './restricted-snapshot.js';
import { ScanCursor, type ArrowScanOutput, type Page, type ScanRequest, type ScanSurvey } from './scan-cursor.js';

/** A read's snapshot request as it crosses threads: a restricted reader's conditions not yet compiled. */
export type SnapshotRequestOnWire = Omit<SnapshotRequest, 'restrictions'> & { readonly restrictions?: SeriesRestrictions | undefined };

/**
 * The request storage takes: only its own fields, and the restrictions compiled once for the
 * whole read, in an object of one shape (restrictions may be undefined). A request arrives by
 * structured clone, whose shape varies with the fields present (a query's first request to a
 * shard carries more), and reading fields of a shape the optimised code had not met made V8
 * throw that code away at the start of the next query.
 */
export function snapshotRequestOf(request: SnapshotRequestOnWire): SnapshotRequest {
  const { db, series, startUs, endUs, order, requiredColumns } = request;
  return { db, series, startUs, endUs, order, requiredColumns, restrictions: compileRestrictions(request.restrictions) };
}

export class ShardCursors {
  private readonly cursors = new Map<number, { cursor: ScanCursor | BlockCursor; files: readonly string[] }>();
  private nextCursorId = 1;

  constructor(private readonly shard: Shard) {}

  /** A cursor over a snapshot of the request's series: their segment entries and memtable chunks as they are now. */
  openScan(request: ScanRequest): number {
    const { snapshots, files } = this.snapshotSeries(scanSnapshotRequest(request));
    return this.hold(new ScanCursor(request, (name) => snapshots.get(name)!), files);
  }

  /**
   * Opens a scan and answers its first page (`firstPage`) in the same message. As in
   * Shard.withSnapshots, a series is snapshotted only when the page reaches it; before the
   * message ends, the series the page left unread are snapshotted for the pages to come.
   */
  openScanWithPage<P>(request: ScanRequest, firstPage: (cursorId: number) => P): { cursorId: number; page: P } {
    const snapshotRequest = scanSnapshotRequest(request);
    const files = this.shard.holdSnapshots(snapshotRequest);
    let pinned: Map<string, SeriesSnapshot> | undefined;
    const snapshot = (name: string): SeriesSnapshot => pinned?.get(name) ?? this.shard.seriesSnapshot(snapshotRequest, name);
    const cursor = new ScanCursor(request, snapshot);
    const cursorId = this.hold(cursor, files);
    try {
      return { cursorId, page: firstPage(cursorId) };
    } finally {
      pinned = new Map(cursor.unopenedSeries().map((name) => [name, this.shard.seriesSnapshot(snapshotRequest, name)]));
    }
  }

  /** A merge's or join's cursor over one series: filtered blocks for another thread to merge. */
  openBlockScan(request: BlockScanRequest): { cursorId: number; columns: readonly string[] } {
    const { snapshots, files } = this.snapshotSeries(
      snapshotRequestOf({
        ...request,
        series: [request.series],
        requiredColumns: request.fields === '*' ? [] : request.fields,
        restrictions: request.restriction ? { [request.series]: request.restriction } : undefined,
      }),
    );
    const cursor = new BlockCursor(request, snapshots.get(request.series)!);
    return { cursorId: this.hold(cursor, files), columns: cursor.columns };
  }

  /** The next page of a scan; `arrow`, given with the first, makes its pages Arrow record batches. */
  nextPage(cursorId: number, arrow?: ArrowScanOutput): Page {
    const cursor = this.scanCursor(cursorId);
    if (arrow) cursor.answerInArrow(arrow);
    const page = cursor.nextPage();
    if (page.done) this.close(cursorId);
    return page;
  }

  /** What an Arrow answer's schema needs from this scan, before its first page. */
  surveyScan(cursorId: number): ScanSurvey {
    return this.scanCursor(cursorId).survey();
  }

  /** The kinds a merge input's columns hold, before its first block (BlockCursor.survey). */
  surveyBlockScan(cursorId: number): Record<string, KindSet> {
    return this.blockCursor(cursorId).survey();
  }

  /** The block cursor's next block; null at the end, which also closes the cursor. */
  nextBlock(cursorId: number): SeriesColumns | null {
    const block = this.blockCursor(cursorId).nextBlock();
    if (block === null) this.close(cursorId);
    return block;
  }

  close(cursorId: number): void {
    const open = this.cursors.get(cursorId);
    if (!open) return;
    this.cursors.delete(cursorId);
    this.shard.releaseFiles(open.files);
  }

  /** Keeps a cursor and the segment files its snapshot holds until it is done or closed. */
  private hold(cursor: ScanCursor | BlockCursor, files: readonly string[]): number {
    const id = this.nextCursorId++;
    this.cursors.set(id, { cursor, files });
    return id;
  }

  /** Snapshots of the request's series; their segment files are held until released. */
  private snapshotSeries(request: SnapshotRequest): { snapshots: Map<string, SeriesSnapshot>; files: string[] } {
    const files = this.shard.holdSnapshots(request);
    const snapshots = new Map<string, SeriesSnapshot>();
    for (const name of request.series) snapshots.set(name, this.shard.seriesSnapshot(request, name));
    return { snapshots, files };
  }

  private scanCursor(cursorId: number): ScanCursor {
    const open = this.cursors.get(cursorId);
    if (!(open?.cursor instanceof ScanCursor)) throw new ShardError(500, `no open cursor ${cursorId}`);
    return open.cursor;
  }

  private blockCursor(cursorId: number): BlockCursor {
    const open = this.cursors.get(cursorId);
    if (!(open?.cursor instanceof BlockCursor)) throw new ShardError(500, `no open block cursor ${cursorId}`);
    return open.cursor;
  }
}

function scanSnapshotRequest(request: ScanRequest): SnapshotRequest {
  return snapshotRequestOf({ ...request, requiredColumns: request.fields === '*' ? [] : request.fields });
}
