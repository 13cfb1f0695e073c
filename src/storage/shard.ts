import { join } from 'node:path';
import type { WalFsyncPolicy } from '../config.js';
import { removeAbandonedTemps } from '../util/atomic-file.js';
import type { SeriesColumns } from './columns.js';
import { combinePieces } from './combine.js';
import { manifestPath, readManifest, writeManifest, type ManifestDocument, type SegmentEntry, type SegmentFile } from './manifest.js';
import { ScanCursor, type Page, type ScanRequest, type SeriesSnapshot } from './scan.js';
import { decodeSeriesSegment, encodeSeriesSegment } from './segment-codec.js';
import { SegmentStore, type SegmentItem } from './segment-store.js';
import { SeriesMemory } from './series-memory.js';
import type { ShardTxnReport, TxnStatus } from './transactions.js';
import { WriteAheadLog, type WalOptions } from './wal.js';
import { assignSequenceNumbers, readWriteBatch, stampTransaction, type WriteBatchSpans } from './write-batch.js';

export interface ShardOptions {
  readonly dir: string;
  readonly walFsync: WalFsyncPolicy;
  readonly walFsyncIntervalMs: number;
  readonly memtableBytes: number;
  readonly flushIdleMs: number;
}

/** Committed rows waiting to be sealed are sealed in bulk once their batches reach this size. */
const SEAL_BYTES = 8 * 1024 * 1024;
/** How many failed transactions the manifest remembers (failures are rare disk errors). */
const FAILED_TXNS_KEPT = 1000;
/** A flush encodes series for at most this long before letting the mailbox run. */
const FLUSH_SLICE_MS = 5;
/** Past this multiple of memtable_size (a flush could not keep up), writes are refused. */
const MEMTABLE_HARD_LIMIT = 2;

/** A logged batch whose transaction is not yet known to be committed everywhere. */
interface PendingBatch {
  readonly txn: number;
  readonly bytes: Uint8Array;
  readonly batch: WriteBatchSpans;
}

/** What a write message carries for each of its batches. */
export interface WriteTxn {
  readonly txn: number;
  /** Bit mask of the shards that take part in the request. */
  readonly participants: number;
  /** First sequence-number ordinal of the request. */
  readonly base: number;
}

/** Everything the shard knows about one of its series. */
interface SeriesState {
  readonly name: string;
  /** Columns in order of first creation (what `select *` returns). */
  readonly columns: string[];
  readonly columnSet: Set<string>;
  readonly segments: { file: string; entry: SegmentEntry }[];
  /** Rows being written to a segment by the running flush (still read by scans). */
  frozen: SeriesMemory | undefined;
  /** Rows written since the last flush started. */
  memory: SeriesMemory | undefined;
}

export class ShardError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * One shard actor's state. It is only ever touched by its own worker thread, one message at
 * a time, so nothing here locks. Writes: WAL first, then memtable; flushes turn memtables
 * into one segment file and move the WAL checkpoint past what they cover.
 */
export class Shard {
  private readonly catalog = new Map<string, Map<string, SeriesState>>();
  private readonly manifest: ManifestDocument;
  private readonly wal: WriteAheadLog;
  private readonly segments: SegmentStore;
  private readonly cursors = new Map<number, { cursor: ScanCursor; files: string[] }>();
  private nextCursorId = 1;
  /** Logged batches of unresolved transactions, in log (= transaction id) order. */
  private pending: PendingBatch[] = [];
  /** Series with committed rows not yet sealed into chunks. */
  private unsealed = new Set<SeriesMemory>();
  /** Bytes of the committed batches whose rows are not sealed yet. */
  private unsealedBytes = 0;
  /** Bytes of sealed chunks. */
  private sealedBytes = 0;
  /** Bytes of the memtable the running flush is writing out. */
  private frozenBytes = 0;
  /** The running flush (flushes run one at a time, each after the previous). */
  private flushing: Promise<void> = Promise.resolve();
  /** Databases being dropped: writes to them are refused until the drop is done. */
  private readonly dropping = new Set<string>();
  private maxSeq = 0;
  /** The newest transaction status the main thread sent. */
  private status: TxnStatus = { resolvedBelow: 0, aborted: [] };
  private failedTxns: number[];
  private flushScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;

  /**
   * Opens the shard's files. Nothing is replayed yet: the WAL's transactions are compared with
   * the other shards' first (see `transactionReport` and `recover`).
   */
  constructor(
    private readonly options: ShardOptions,
    private readonly log: (level: 'info' | 'warn', message: string) => void,
  ) {
    this.segments = new SegmentStore(options.dir);
    this.manifest = readManifest(options.dir);
    this.failedTxns = [...(this.manifest.failedTxns ?? [])];
    this.segments.removeOrphans(new Set(this.manifest.segments.map((s) => s.file)));
    removeAbandonedTemps(manifestPath(options.dir));
    this.loadCatalog();
    const walOptions: WalOptions =
      options.walFsync === 'interval' ? { fsync: 'interval', fsyncIntervalMs: options.walFsyncIntervalMs } : { fsync: options.walFsync };
    this.wal = WriteAheadLog.open(join(options.dir, 'wal'), walOptions, (message) => log('warn', message));
  }

  /** What the WAL past the checkpoint and the manifest say about write transactions. */
  transactionReport(): ShardTxnReport {
    const logged = new Map<number, number>();
    this.wal.replay(this.manifest.walCheckpoint, (payload) => {
      const { txn, participants } = readWriteBatch(payload);
      if (txn > 0 && (participants & (participants - 1)) !== 0) logged.set(txn, participants);
    });
    return { flushedBelow: this.flushedBelow, failed: this.failedTxns, logged };
  }

  /**
   * Replay the WAL past the checkpoint, leaving out transactions some other participant never
   * logged (never acknowledged, so dropped whole). If any was left out, flush at once, so the
   * checkpoint moves past it before other shards' later flushes could make it look complete.
   */
  async recover(aborted: ReadonlySet<number>, liveDatabases: string[]): Promise<void> {
    const applied = new Set<number>();
    let replayed = 0;
    let highestTxn = 0;
    this.wal.replay(this.manifest.walCheckpoint, (payload) => {
      const batch = readWriteBatch(payload);
      highestTxn = Math.max(highestTxn, batch.txn);
      // A flush carries unresolved batches into the next file: a crash can leave both copies.
      if (batch.txn > 0 && (aborted.has(batch.txn) || applied.has(batch.txn))) return;
      if (batch.txn > 0) applied.add(batch.txn);
      this.applyBatch(batch, payload.byteLength);
      replayed++;
    });
    if (replayed > 0) this.log('info', `replayed ${replayed} WAL records`);
    // Every logged transaction is resolved now: replayed (committed) or left out (aborted). A
    // flush below must record that, or its checkpoint would drop replayed records while
    // flushedBelow still says they may be missing, and the next recovery would abort them on
    // the shards that still log them. Shards log in id order, so nothing lower is in flight.
    this.status = { resolvedBelow: Math.max(this.status.resolvedBelow, highestTxn + 1), aborted: [] };
    if (aborted.size > 0) {
      this.log('warn', `left out ${aborted.size} write requests that were not logged on every shard they touched (never acknowledged)`);
      await this.flush();
    }
    const live = new Set(liveDatabases);
    for (const db of [...this.catalog.keys()]) if (!live.has(db)) await this.dropDatabase(db);
  }

  get highestSequenceNumber(): number {
    return this.maxSeq;
  }

  /** Transaction ids below this are settled on this shard; new ones must start above it. */
  get transactionFloor(): number {
    return this.flushedBelow;
  }

  private get flushedBelow(): number {
    return this.manifest.flushedBelow ?? 0;
  }

  /** The memtable that fills now (not the one a running flush writes out). */
  private get memtableBytes(): number {
    return this.unsealedBytes + this.sealedBytes;
  }

  /**
   * Take the main thread's news about transactions: batches of committed ones become visible,
   * aborted ones are dropped. Every message to the shard brings it, before anything else.
   */
  advance(status: TxnStatus): void {
    if (status.resolvedBelow > this.status.resolvedBelow) this.status = status;
    if (this.pending.length === 0) return;
    const aborted = new Set(status.aborted);
    let committed = 0;
    while (committed < this.pending.length && this.pending[committed]!.txn < this.status.resolvedBelow) committed++;
    const kept: PendingBatch[] = [];
    this.pending.forEach((pending, i) => {
      if (aborted.has(pending.txn)) return;
      if (i < committed) this.applyBatch(pending.batch, pending.bytes.byteLength);
      else kept.push(pending);
    });
    this.pending = kept;
    this.afterApply();
  }

  /**
   * Log the batches and resolve once the log is durable. Their rows become visible when the
   * main thread reports their transactions committed. Everything before the returned promise
   * runs synchronously, so the mailbox stays one-message-at-a-time; only the fsync wait
   * overlaps the next messages.
   */
  write(batches: Uint8Array[], txns: WriteTxn[]): Promise<void> {
    let decoded: PendingBatch[];
    try {
      decoded = this.prepareBatches(batches, txns);
      this.wal.append(batches);
    } catch (err) {
      // Refused or not logged: other shards may have logged their parts, and once this shard
      // flushes past these ids only this record tells recovery to leave those parts out.
      this.rememberFailed(txns.map((t) => t.txn));
      throw err;
    }
    for (const pending of decoded) this.pending.push(pending);
    this.armIdleFlush();
    return this.wal.durable().catch((err: unknown) => {
      this.rememberFailed(txns.map((t) => t.txn));
      throw err;
    });
  }

  /** Checks the batches can be taken, then numbers their points and stamps their transactions. */
  private prepareBatches(batches: Uint8Array[], txns: WriteTxn[]): PendingBatch[] {
    if (this.memtableBytes + this.frozenBytes > MEMTABLE_HARD_LIMIT * this.options.memtableBytes) {
      throw new ShardError(503, 'shard memtable is full while a flush catches up; retry the write');
    }
    return batches.map((bytes, i) => {
      const { txn, participants, base } = txns[i]!;
      const batch = readWriteBatch(bytes);
      if (this.dropping.has(batch.db)) throw new ShardError(400, `Database ${batch.db} doesn't exist`);
      for (const span of batch.series) assignSequenceNumbers(span.seq, base, span.seqAt, span.seqAt + span.count);
      stampTransaction(bytes, txn, participants);
      return { txn, bytes, batch };
    });
  }

  private rememberFailed(txns: number[]): void {
    this.failedTxns.push(...txns);
    if (this.failedTxns.length > FAILED_TXNS_KEPT) this.failedTxns.splice(0, this.failedTxns.length - FAILED_TXNS_KEPT);
    this.pending = this.pending.filter((p) => !txns.includes(p.txn));
  }

  private applyBatch(batch: WriteBatchSpans, bytes: number): void {
    const { db } = batch;
    for (const rows of batch.series) {
      const state = this.seriesState(db, rows.series, true)!;
      for (const column of rows.columns) {
        if (!state.columnSet.has(column.name)) {
          state.columnSet.add(column.name);
          state.columns.push(column.name);
        }
      }
      state.memory ??= new SeriesMemory(rows.series);
      state.memory.append(rows);
      this.unsealed.add(state.memory);
      const { seq, seqAt } = rows;
      for (let i = seqAt; i < seqAt + rows.count; i++) if (seq[i]! > this.maxSeq) this.maxSeq = seq[i]!;
    }
    this.unsealedBytes += bytes;
  }

  /** Seal in bulk, and flush (after the acknowledgements went out) when the memtable is full. */
  private afterApply(): void {
    if (this.unsealedBytes >= SEAL_BYTES) this.sealAll();
    if (this.memtableBytes >= this.options.memtableBytes && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushInBackground();
      });
    }
  }

  private sealAll(): void {
    for (const memory of this.unsealed) {
      const before = memory.sealedBytes;
      memory.seal();
      this.sealedBytes += memory.sealedBytes - before;
    }
    this.unsealed.clear();
    this.unsealedBytes = 0;
  }

  /** A memtable that got no write for `flushIdleMs` is flushed, so data at rest is compact. */
  private armIdleFlush(): void {
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.memtableBytes > 0 || this.pending.length > 0) this.flushInBackground();
      }, this.options.flushIdleMs);
      this.idleTimer.unref();
    }
  }

  private seriesState(db: string, series: string, create: boolean): SeriesState | undefined {
    let databases = this.catalog.get(db);
    if (!databases) {
      if (!create) return undefined;
      databases = new Map();
      this.catalog.set(db, databases);
    }
    let state = databases.get(series);
    if (!state && create) {
      state = { name: series, columns: [], columnSet: new Set(), segments: [], frozen: undefined, memory: undefined };
      databases.set(series, state);
    }
    return state;
  }

  listSeries(db: string): string[] {
    return [...(this.catalog.get(db)?.keys() ?? [])];
  }

  /** A flush nobody waits for; a failure is logged and the data stays in the memtable and WAL. */
  private flushInBackground(): void {
    this.flush().catch((err: unknown) => this.log('warn', `flush failed, will retry: ${(err as Error).message}`));
  }

  /** Flush after any running flush; resolves when this one is on disk. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Write every committed row to one new segment file, then advance the WAL checkpoint. The
   * memtable is frozen first and writes go on into a fresh one; encoding yields to the mailbox
   * every few milliseconds, so writes and queries are served while a flush runs. Batches of
   * unresolved transactions are logged again in the new WAL file (and synced) before the
   * checkpoint passes the file that held them.
   */
  private async flushOnce(): Promise<void> {
    this.sealAll();
    const dirty: { db: string; state: SeriesState }[] = [];
    for (const [db, databases] of this.catalog) {
      for (const state of databases.values()) {
        if (!state.memory || state.memory.count === 0) continue;
        state.frozen = state.memory;
        state.memory = undefined;
        dirty.push({ db, state });
      }
    }
    this.frozenBytes = this.sealedBytes;
    this.sealedBytes = 0;
    // Every committed transaction below this is in the frozen memtable or in a segment.
    const flushedBelow = Math.max(this.flushedBelow, this.status.resolvedBelow);
    const checkpoint = this.wal.rotate();
    if (this.pending.length > 0) {
      this.wal.append(this.pending.map((p) => p.bytes));
      this.wal.sync();
    }
    try {
      const items: SegmentItem[] = [];
      let sliceStart = performance.now();
      for (const { db, state } of dirty) {
        items.push(encodeSeries(db, state.name, state.frozen!));
        if (performance.now() - sliceStart > FLUSH_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
      if (items.length > 0) {
        const segment = this.segments.write(this.manifest.nextSegmentId++, items);
        this.manifest.segments.push(segment);
        for (const entry of segment.entries) this.seriesState(entry.db, entry.series, false)!.segments.push({ file: segment.file, entry });
      }
      this.manifest.walCheckpoint = checkpoint;
      this.manifest.flushedBelow = flushedBelow;
      this.manifest.failedTxns = this.failedTxns;
      this.saveManifest();
    } catch (err) {
      // Nothing is lost: the frozen rows go back in front of what came since, the WAL stays.
      for (const { state } of dirty) this.thaw(state);
      this.sealAll();
      this.sealedBytes = 0;
      for (const databases of this.catalog.values()) for (const state of databases.values()) this.sealedBytes += state.memory?.sealedBytes ?? 0;
      throw err;
    } finally {
      this.frozenBytes = 0;
    }
    for (const { state } of dirty) state.frozen = undefined;
    this.wal.removeBefore(checkpoint);
  }

  /** Put a failed flush's rows back into the memtable, older than anything written since. */
  private thaw(state: SeriesState): void {
    const frozen = state.frozen;
    if (!frozen) return;
    state.frozen = undefined;
    if (state.memory) for (const chunk of state.memory.pieces()) frozen.appendChunk(chunk);
    state.memory = frozen;
  }

  /** A database's data leaves the disk: memtables, WAL (by flushing), segment files. */
  async dropDatabase(db: string): Promise<void> {
    // Writes logged before the drop and still unresolved are dropped with it, never committed later.
    this.pending = this.pending.filter((p) => p.batch.db !== db);
    if (!this.catalog.has(db)) return;
    this.dropping.add(db);
    try {
      await this.flush();
      this.pending = this.pending.filter((p) => p.batch.db !== db);
      this.catalog.delete(db);
      const kept: SegmentFile[] = [];
      const obsolete: string[] = [];
      for (const segment of this.manifest.segments) {
        const remaining = segment.entries.filter((e) => e.db !== db);
        if (remaining.length === segment.entries.length) kept.push(segment);
        else {
          obsolete.push(segment.file);
          if (remaining.length > 0) kept.push(this.rewriteSegment(segment, remaining));
        }
      }
      this.manifest.segments = kept;
      this.saveManifest();
      for (const file of obsolete) this.segments.retire(file);
    } finally {
      this.dropping.delete(db);
    }
  }

  /** Copy the kept entries' bytes into a new segment file and point their series at it. */
  private rewriteSegment(segment: SegmentFile, keep: SegmentEntry[]): SegmentFile {
    const rewritten = this.segments.write(
      this.manifest.nextSegmentId++,
      keep.map((entry) => ({ ...entry, bytes: this.segments.read(segment.file, entry) })),
    );
    keep.forEach((old, i) => {
      const refs = this.seriesState(old.db, old.series, false)?.segments;
      const at = refs?.findIndex((s) => s.entry === old) ?? -1;
      if (at >= 0) refs![at] = { file: rewritten.file, entry: rewritten.entries[i]! };
    });
    return rewritten;
  }

  /**
   * Open a cursor over a snapshot: each series' segment entries and memtable chunks as they
   * are now. The snapshot holds its segment files, so a drop or rewrite that runs while the
   * query is paged out leaves them readable until the cursor closes.
   */
  openScan(request: ScanRequest): number {
    const databases = this.catalog.get(request.db);
    const snapshots = new Map<string, SeriesSnapshot>();
    const files = new Set<string>();
    for (const name of request.series) {
      const state = databases?.get(name);
      if (!state) throw new ShardError(400, `Couldn't look up columns for series: ${name}`);
      if (request.fields !== '*') {
        for (const field of request.fields) {
          if (!state.columnSet.has(field)) throw new ShardError(400, `Field ${field} doesn't exist in series ${name}`);
        }
      }
      snapshots.set(name, this.snapshotOf(state, request.startUs, request.endUs));
      for (const { file } of state.segments) files.add(file);
    }
    const held = [...files];
    this.segments.acquire(held);
    const id = this.nextCursorId++;
    this.cursors.set(id, { cursor: new ScanCursor(request, (name) => snapshots.get(name)!.load()), files: held });
    return id;
  }

  nextPage(cursorId: number): Page {
    const open = this.cursors.get(cursorId);
    if (!open) throw new ShardError(500, `no open cursor ${cursorId}`);
    const page = open.cursor.nextPage();
    if (page.done) this.closeCursor(cursorId);
    return page;
  }

  closeCursor(cursorId: number): void {
    const open = this.cursors.get(cursorId);
    if (!open) return;
    this.cursors.delete(cursorId);
    this.segments.release(open.files);
  }

  /** What a scan reads of one series in [start, end): the entries and chunks as they are now. */
  private snapshotOf(state: SeriesState, startUs: number, endUs: number): SeriesSnapshot {
    const entries = state.segments.filter(({ entry }) => entry.maxTime >= startUs && entry.minTime < endUs);
    const memory: SeriesColumns[] = [];
    for (const part of [state.frozen, state.memory]) {
      if (!part || part.count === 0) continue;
      const before = part.sealedBytes;
      memory.push(...part.pieces());
      if (part === state.memory) this.sealedBytes += part.sealedBytes - before;
    }
    const columns = [...state.columns];
    return {
      load: () => {
        const pieces = entries.map(({ file, entry }) => decodeSeriesSegment(this.segments.read(file, entry)));
        return { rows: combinePieces(state.name, [...pieces, ...memory]), columns };
      },
    };
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.flush();
    this.wal.close();
  }

  private loadCatalog(): void {
    for (const [db, seriesMap] of Object.entries(this.manifest.catalog)) {
      for (const [series, columns] of Object.entries(seriesMap)) {
        const state = this.seriesState(db, series, true)!;
        for (const c of columns) {
          state.columnSet.add(c);
          state.columns.push(c);
        }
      }
    }
    for (const segment of this.manifest.segments) {
      for (const entry of segment.entries) {
        this.seriesState(entry.db, entry.series, true)!.segments.push({ file: segment.file, entry });
        if (entry.maxSeq > this.maxSeq) this.maxSeq = entry.maxSeq;
      }
    }
  }

  private saveManifest(): void {
    const catalog: ManifestDocument['catalog'] = {};
    for (const [db, databases] of this.catalog) {
      catalog[db] = {};
      for (const [name, state] of databases) catalog[db][name] = state.columns;
    }
    this.manifest.catalog = catalog;
    writeManifest(this.options.dir, this.manifest);
  }
}

/** One series' frozen memtable as the bytes of its segment entry. */
function encodeSeries(db: string, series: string, memory: SeriesMemory): SegmentItem {
  const rows = combinePieces(series, [...memory.pieces()]);
  let maxSeq = 0;
  for (let i = 0; i < rows.count; i++) if (rows.seq[i]! > maxSeq) maxSeq = rows.seq[i]!;
  const bytes = encodeSeriesSegment(rows);
  return { db, series, count: rows.count, minTime: rows.time[0]!, maxTime: rows.time[rows.count - 1]!, maxSeq, bytes };
}
