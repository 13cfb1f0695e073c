import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WalFsyncPolicy } from '../config.js';
import { HttpError } from '../errors.js';
import { removeQuietly, syncDirectory } from '../util/atomic-file.js';
import { asDiskWriteError, DiskWriteError, syncSync, writeAllSync } from '../util/checked-write.js';
import type { RowSpan, SeriesColumns } from './columns.js';
import { combinePieces } from './combine.js';
import { DiskHealth, probeDisk, type DiskProblem } from './disk-health.js';
import { readManifest, writeManifest, type ManifestDocument, type SegmentEntry, type SegmentFile } from './manifest.js';
import { ScanCursor, type Page, type ScanRequest } from './scan.js';
import { decodeSeriesSegment, encodeSeriesSegment } from './segment-codec.js';
import { MAX_SEQUENCE_NUMBER } from './sequence-numbers.js';
import { SeriesBuffer } from './series-buffer.js';
import { WriteAheadLog, type WalOptions } from './wal.js';
import { assignSequenceNumbers, readWriteBatch } from './write-batch.js';

export interface ShardOptions {
  readonly dir: string;
  readonly walFsync: WalFsyncPolicy;
  readonly walFsyncIntervalMs: number;
  readonly memtableBytes: number;
  /** Shared with the shard's handle: 1 while degraded, so /ping need not ask the thread. */
  readonly degradedFlag: Int32Array;
}

/** Everything the shard knows about one of its series. */
interface SeriesState {
  readonly name: string;
  /** Columns in order of first creation (what `select *` returns). */
  readonly columns: string[];
  readonly columnSet: Set<string>;
  readonly segments: { file: string; entry: SegmentEntry }[];
  buffer: SeriesBuffer | undefined;
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
  private readonly cursors = new Map<number, ScanCursor>();
  private nextCursorId = 1;
  private memtableBytes = 0;
  private maxSeq = 0;
  private flushScheduled = false;
  /** A flush failed (the disk refused it) and must succeed before the shard is healthy. */
  private flushOwed = false;
  private readonly health: DiskHealth;

  constructor(
    private readonly options: ShardOptions,
    liveDatabases: string[],
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    this.health = new DiskHealth(() => this.recoverDisk(), log, options.degradedFlag);
    mkdirSync(join(options.dir, 'segments'), { recursive: true });
    this.manifest = readManifest(options.dir);
    this.removeOrphanSegments();
    const live = new Set(liveDatabases);
    this.loadCatalog();
    const walOptions: WalOptions =
      options.walFsync === 'interval' ? { fsync: 'interval', fsyncIntervalMs: options.walFsyncIntervalMs } : { fsync: options.walFsync };
    this.wal = WriteAheadLog.open(join(options.dir, 'wal'), walOptions, (message) => log('warn', message));
    const replayed = this.replayWal();
    if (replayed > 0) log('info', `replayed ${replayed} WAL records`);
    for (const db of this.catalog.keys()) if (!live.has(db)) this.dropDatabase(db);
  }

  private replayWal(): number {
    let replayed = 0;
    this.wal.replay(this.manifest.walCheckpoint, (payload) => {
      this.applyRecord(payload);
      replayed++;
    });
    return replayed;
  }

  private applyRecord(payload: Uint8Array): void {
    const batch = readWriteBatch(payload);
    this.applyBatch(batch.db, batch.series);
  }

  /** Why this shard cannot write, if it cannot. */
  get diskProblem(): DiskProblem | undefined {
    return this.health.problem;
  }

  /** If the shard cannot write, try once to recover. */
  retryDisk(): void {
    this.health.retry();
  }

  get highestSequenceNumber(): number {
    return this.maxSeq;
  }

  /**
   * Log the batches, apply them, and resolve once the log is durable. `bases[i]` is the first
   * sequence-number ordinal of batch i's request. Everything before the returned promise runs
   * synchronously, so the mailbox stays one-message-at-a-time; only the fsync wait overlaps
   * the next messages.
   */
  write(batches: Uint8Array[], bases: number[]): Promise<void> {
    this.health.assertWritable();
    const decoded = batches.map((bytes, i) => {
      const batch = readWriteBatch(bytes);
      for (const span of batch.series) assignSequenceNumbers(span.seq, bases[i]!, span.seqAt, span.seqAt + span.count);
      return batch;
    });
    this.guardDisk(() => this.wal.append(batches));
    for (const batch of decoded) this.applyBatch(batch.db, batch.series);
    if (this.memtableBytes >= this.options.memtableBytes && !this.flushScheduled) {
      // Flush after the acknowledgement goes out; the mailbox waits for it either way.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        try {
          this.flush();
        } catch (error) {
          // The flush marked the shard degraded; its data stays in the memtable and the WAL.
          if (!(error instanceof HttpError)) throw error;
        }
      });
    }
    return this.wal.durable().catch((error: unknown) => {
      // Under `always` nothing past the last good sync was acknowledged: it must not be seen.
      if (this.wal.failed && this.options.walFsync === 'always') this.reloadMemtables();
      throw this.asRefusal(error);
    });
  }

  /** Run `work`; if the disk refuses it, throw what `asRefusal` makes of that. */
  private guardDisk<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.asRefusal(error);
    }
  }

  /** A disk failure turns the shard degraded and becomes the refusal (507/503) callers answer. */
  private asRefusal(error: unknown): unknown {
    if (!(error instanceof DiskWriteError)) return error;
    this.health.failed(error);
    return this.health.refusal();
  }

  /**
   * One attempt to leave the degraded state; throws a DiskWriteError while the disk still
   * refuses. A failed WAL starts a fresh file; under `always` the unacknowledged records it
   * cut off leave the memtables too. What the memtables hold then goes to a segment, so
   * nothing depends on the suspect file.
   */
  private recoverDisk(): void {
    if (this.wal.failed || this.flushOwed) this.settleOnDisk();
    probeDisk(this.options.dir);
  }

  private settleOnDisk(): void {
    if (this.wal.failed && this.wal.restart().cut) this.reloadMemtables();
    this.flushNow();
  }

  /** Rebuild the memtables from the WAL's durable records, dropping the unacknowledged ones. */
  private reloadMemtables(): void {
    for (const databases of this.catalog.values()) for (const state of databases.values()) state.buffer = undefined;
    this.memtableBytes = 0;
    this.wal.replayDurable(this.manifest.walCheckpoint, (payload) => this.applyRecord(payload));
  }

  private applyBatch(db: string, spans: RowSpan[]): void {
    for (const rows of spans) {
      const state = this.seriesState(db, rows.series, true)!;
      for (const column of rows.columns) {
        if (!state.columnSet.has(column.name)) {
          state.columnSet.add(column.name);
          state.columns.push(column.name);
        }
      }
      state.buffer ??= new SeriesBuffer(rows.series);
      const before = state.buffer.byteSize;
      state.buffer.append(rows);
      this.memtableBytes += state.buffer.byteSize - before;
      const { seq, seqAt } = rows;
      for (let i = seqAt; i < seqAt + rows.count; i++) if (seq[i]! > this.maxSeq && seq[i]! <= MAX_SEQUENCE_NUMBER) this.maxSeq = seq[i]!;
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
      state = { name: series, columns: [], columnSet: new Set(), segments: [], buffer: undefined };
      databases.set(series, state);
    }
    return state;
  }

  listSeries(db: string): string[] {
    return [...(this.catalog.get(db)?.keys() ?? [])];
  }

  /**
   * Write every memtable to one new segment file, then advance the WAL checkpoint. If the disk
   * refuses, nothing changes (the data stays in the memtables and the WAL), the shard turns
   * degraded and retries the flush until it succeeds.
   */
  flush(): void {
    this.guardDisk(() => this.flushNow());
  }

  private flushNow(): void {
    this.flushOwed = true;
    const dirty: { db: string; state: SeriesState }[] = [];
    for (const [db, databases] of this.catalog) {
      for (const state of databases.values()) if (state.buffer && state.buffer.count > 0) dirty.push({ db, state });
    }
    const checkpoint = this.wal.rotate();
    const segment =
      dirty.length === 0
        ? undefined
        : this.writeSegment(
            dirty.map(({ db, state }) => {
              const rows = combinePieces(state.name, [state.buffer!.snapshot()]);
              let maxSeq = 0;
              for (let i = 0; i < rows.count; i++) if (rows.seq[i]! > maxSeq && rows.seq[i]! <= MAX_SEQUENCE_NUMBER) maxSeq = rows.seq[i]!;
              const bytes = encodeSeriesSegment(rows);
              return { db, series: state.name, count: rows.count, minTime: rows.time[0]!, maxTime: rows.time[rows.count - 1]!, maxSeq, bytes };
            }),
          );
    const previous = { segments: this.manifest.segments, walCheckpoint: this.manifest.walCheckpoint };
    if (segment) this.manifest.segments = [...previous.segments, segment];
    this.manifest.walCheckpoint = checkpoint;
    try {
      this.saveManifest();
    } catch (error) {
      // The segment file stays: if only the directory sync failed, the new manifest may be
      // the one on disk. Otherwise it is an orphan, deleted at the next start.
      Object.assign(this.manifest, previous);
      throw error;
    }
    if (segment) {
      for (const entry of segment.entries) this.seriesState(entry.db, entry.series, false)!.segments.push({ file: segment.file, entry });
    }
    for (const { state } of dirty) state.buffer = undefined;
    this.memtableBytes = 0;
    this.flushOwed = false;
    this.wal.removeBefore(checkpoint);
  }

  /**
   * Lay the series' bytes out one after another in a new segment file (temp name, fsync,
   * rename). The caller lists it in the manifest; until then it does not exist.
   */
  private writeSegment(items: (Omit<SegmentEntry, 'offset' | 'length'> & { bytes: Uint8Array })[]): SegmentFile {
    const id = this.manifest.nextSegmentId++;
    const file = `seg-${String(id).padStart(8, '0')}.arrows`;
    let offset = 0;
    const entries = items.map(({ bytes, ...entry }): SegmentEntry => {
      const placed = { ...entry, offset, length: bytes.length };
      offset += bytes.length;
      return placed;
    });
    const dir = join(this.options.dir, 'segments');
    const temp = join(dir, `${file}.tmp`);
    try {
      const fd = openSync(temp, 'w');
      try {
        writeAllSync(fd, temp, items.map((item) => item.bytes));
        syncSync(fd, temp);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, join(dir, file));
    } catch (error) {
      removeQuietly(temp);
      throw asDiskWriteError(error, temp);
    }
    syncDirectory(dir);
    return { id, file, entries };
  }

  /** A database's data leaves the disk: memtables, WAL (by flushing), segment files. */
  dropDatabase(db: string): void {
    this.guardDisk(() => this.dropDatabaseNow(db));
  }

  private dropDatabaseNow(db: string): void {
    if (!this.catalog.has(db)) return;
    this.flushNow();
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
    for (const file of obsolete) rmSync(join(this.options.dir, 'segments', file), { force: true });
  }

  /** Copy the kept entries' bytes into a new segment file and point their series at it. */
  private rewriteSegment(segment: SegmentFile, keep: SegmentEntry[]): SegmentFile {
    const rewritten = this.writeSegment(keep.map((entry) => ({ ...entry, bytes: this.readEntry(segment.file, entry) })));
    keep.forEach((old, i) => {
      const ref = this.seriesState(old.db, old.series, false)?.segments.find((s) => s.entry === old);
      if (ref) {
        ref.file = rewritten.file;
        ref.entry = rewritten.entries[i]!;
      }
    });
    return rewritten;
  }

  openScan(request: ScanRequest): number {
    const databases = this.catalog.get(request.db);
    for (const name of request.series) {
      const state = databases?.get(name);
      if (!state) throw new ShardError(400, `Couldn't look up columns for series: ${name}`);
      if (request.fields !== '*') {
        for (const field of request.fields) {
          if (!state.columnSet.has(field)) throw new ShardError(400, `Field ${field} doesn't exist in series ${name}`);
        }
      }
    }
    const id = this.nextCursorId++;
    this.cursors.set(
      id,
      new ScanCursor(request, (name) => {
        const state = databases!.get(name)!;
        return { rows: this.loadSeries(state, request.startUs, request.endUs), columns: state.columns };
      }),
    );
    return id;
  }

  nextPage(cursorId: number): Page {
    const cursor = this.cursors.get(cursorId);
    if (!cursor) throw new ShardError(500, `no open cursor ${cursorId}`);
    const page = cursor.nextPage();
    if (page.done) this.cursors.delete(cursorId);
    return page;
  }

  closeCursor(cursorId: number): void {
    this.cursors.delete(cursorId);
  }

  private loadSeries(state: SeriesState, startUs: number, endUs: number): SeriesColumns {
    const pieces: SeriesColumns[] = [];
    for (const { file, entry } of state.segments) {
      if (entry.maxTime < startUs || entry.minTime >= endUs) continue;
      pieces.push(decodeSeriesSegment(this.readEntry(file, entry)));
    }
    if (state.buffer && state.buffer.count > 0) pieces.push(state.buffer.snapshot());
    return combinePieces(state.name, pieces);
  }

  private readEntry(file: string, entry: SegmentEntry): Uint8Array {
    const fd = openSync(join(this.options.dir, 'segments', file), 'r');
    try {
      const bytes = new Uint8Array(entry.length);
      readSync(fd, bytes, 0, entry.length, entry.offset);
      return bytes;
    } finally {
      closeSync(fd);
    }
  }

  /** Flush and close. A flush the disk refuses is only logged: its data is in the WAL for the next start. */
  close(): void {
    try {
      this.settleOnDisk();
    } catch (error) {
      if (!(error instanceof DiskWriteError)) throw error;
      this.log('error', `flush at close failed, the WAL keeps the data for the next start: ${error.message}`);
    }
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
        if (entry.maxSeq > this.maxSeq && entry.maxSeq <= MAX_SEQUENCE_NUMBER) this.maxSeq = entry.maxSeq;
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

  /** A crash between writing a segment and recording it in the manifest leaves a file nobody owns. */
  private removeOrphanSegments(): void {
    const known = new Set(this.manifest.segments.map((s) => s.file));
    const dir = join(this.options.dir, 'segments');
    for (const file of readdirSync(dir)) {
      if (!known.has(file)) rmSync(join(dir, file), { force: true });
    }
  }
}
