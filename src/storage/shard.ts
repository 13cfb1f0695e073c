import type { LogBatchEncoding } from './log-batch-encoding.js';
import { recordShardTimer, ShardTimer } from './shard-counters.js';
import { join, resolve } from 'node:path';
import { removeAbandonedTemps } from '../util/atomic-file.js';
import { DiskWriteError } from '../util/checked-write.js';
import { ServiceUnavailableError } from '../errors.js';
import { BLOCK_ROWS } from './block-codec.js';
import type { SeriesColumns } from './columns.js';
import { planCompaction } from './compaction-plan.js';
import { DiskHealth, probeDisk, type DiskProblem } from './disk-health.js';
import { guardManifest, manifestPath, readManifest, writeManifest, type ManifestDocument, type SegmentFile } from './manifest.js';
import { decodeDeleteRecord, encodeDeleteRecord, isDeleteRecord, type DeleteRecord } from './delete-record.js';
import { decodeLogPositionRecord, encodeLogPositionRecord, isLogPositionRecord } from './log-position-record.js';
import { settledBlocks, settleErasures } from './erasures.js';
import { restrictionFor, type SeriesSnapshot, type SnapshotRequest, type SnapshotRestriction, type SnapshotRestrictions } from './series-snapshot.js';
import { entriesOf, SegmentStore, segmentFilesIn, type SeriesRef, type SeriesSource } from './segment-store.js';
import { seriesBlocks, type Piece } from './series-blocks.js';
import { MAX_SEQUENCE_NUMBER } from './sequence-numbers.js';
import { BatchLayouts } from './batch-layouts.js';
import { SeriesMemory } from './series-memory.js';
import { checkpointOf, type ShardCheckpoint } from './shard-checkpoint.js';
import { settleAdoption } from './checkpoint-adoption.js';
import { tombstonedPiece, TombstoneSet, type DeletedRange } from './tombstones.js';
import type { ShardTxnReport, TxnStatus } from './transactions.js';
import { WriteAheadLog, type WalFsyncPolicy, type WalOptions } from './wal.js';
import { BulkSeal, deferredRuns, type DeferredRun } from './bulk-seal.js';
import { releaseBuffers } from '../util/release-buffers.js';
import { numberAndStamp, readWriteBatch, SeriesEntryReader, seriesNamesOf, type BatchViews, type WriteBatchEntries } from './write-batch.js';
import { decodeEncodedWriteRecord, encodedWriteOf, encodeEncodedWriteRecord, isEncodedWriteRecord } from './encoded-write-record.js';

export interface ShardOptions {
  readonly dir: string;
  readonly walFsync: WalFsyncPolicy;
  readonly walFsyncIntervalMs: number;
  readonly memtableBytes: number;
  readonly flushIdleMs: number;
  /**
   * Committed rows still held as write batches are sealed once the shard got no write for
   * this long (a server's shards: IDLE_SEAL_MS in shards/storage.ts; absent: only at SEAL_BYTES
   * and when something reads them).
   */
  readonly idleSealMs?: number;
  /** Decoded segment blocks kept for scans (0: none). */
  readonly blockCacheBytes: number;
  /** Shared with the shard's handle: 1 while degraded, so /ping need not ask the thread. */
  readonly degradedFlag: Int32Array;
}

/** Committed rows waiting to be sealed are sealed in bulk once their batches reach this size. */
const SEAL_BYTES = 8 * 1024 * 1024;
/** A bulk seal seals series for at most this long before letting the mailbox run. */
const SEAL_SLICE_MS = 2;
/**
 * What a series' memtable object and its lists take beside its chunks (V8, x64), counted in the
 * memtable's size until the flush that drops it: for a series written a point now and then,
 * as much as its rows and chunk.
 */
const SERIES_MEMORY_BYTES = 400;
/** How many failed transactions the manifest remembers (failures are rare disk errors). */
const FAILED_TXNS_KEPT = 1000;
/** A flush encodes series for at most this long before letting the mailbox run. */
const FLUSH_SLICE_MS = 5;
/** Past twice memtable_size and this much more (a flush could not keep up), writes are refused. */
const MEMTABLE_HEADROOM_BYTES = 16 * 1024 * 1024;

/** The part of a scan request a series snapshot depends on. */
type SnapshotRange = Pick<SnapshotRequest, 'startUs' | 'endUs' | 'order'>;

/** A logged batch whose transaction is not yet known to be committed everywhere. */
interface PendingBatch {
  readonly txn: number;
  readonly bytes: Uint8Array;
  readonly batch: WriteBatchEntries;
  /** The tombstone number next when it was logged: deletes numbered from it on came after it. */
  readonly mark: number;
  /** Whether `bytes` is a whole buffer moved in with a write message, freed once sealed away. */
  readonly owned: boolean;
  /** Cluster mode: the stream sequence of the message it came in (WriteTxn.logSeq); 0 otherwise. */
  readonly logSeq: number;
}

/** What a write message carries for each of its batches. */
export interface WriteTxn {
  readonly txn: number;
  /** Bit mask of the shards that take part in the request. */
  readonly participants: number;
  /** First sequence-number ordinal of the request. */
  readonly base: number;
  /** Cluster mode: the stream sequence of the message this batch came in (log-position-record.ts). */
  readonly logSeq?: number;
  /**
   * Cluster mode: the sequence of the message before it in the stream, as its consumer saw it.
   * Above the position this shard has logged, a message in between was not stored (its write
   * failed): this one is refused, so the position never passes a message that is missing.
   */
  readonly logPrev?: number;
  /**
   * Cluster mode: the batch came encoded, as the log carries it, and is `rawBytes` long
   * decoded. The shard's thread decodes it before the shard applies it (shards/shard-worker.ts),
   * and the shard logs it as it came (encoded-write-record.ts).
   */
  readonly decoded?: { readonly encoding: LogBatchEncoding; readonly rawBytes: number };
}

/** Everything the shard knows about one of its series. */
interface SeriesState {
  readonly name: string;
  /** Columns in order of first creation (what `select *` returns). */
  readonly columns: string[];
  /** The columns as a set, once there are more than COLUMN_SET_FROM of them (hasColumn). */
  columnSet: Set<string> | undefined;
  readonly segments: SeriesRef[];
  /** Rows being written to a segment by the running flush (still read by scans). */
  frozen: SeriesMemory | undefined;
  /** Rows written since the last flush started. */
  memory: SeriesMemory | undefined;
  /**
   * `drop series` took it out of the catalog, but segments still hold tombstoned rows of it:
   * kept (unlisted) until compaction has removed them, or until a write brings it back.
   */
  dropped: boolean;
  /**
   * A restricted reader's visible columns (checkedVisibleColumns) and the restriction they were
   * found for; cleared whenever the series' rows change. A field, not a WeakMap beside the
   * state: every write clears it, once per series per batch.
   */
  visibleColumns: { readonly key: string; readonly columns: readonly string[] } | undefined;
}

/** What a delete asks of one shard: rows of these series (of its own) in [startUs, endUs). */
export interface DeleteRequest {
  readonly db: string;
  readonly series: readonly string[];
  readonly startUs: number;
  readonly endUs: number;
  /** `drop series`: the series leaves the catalog too. */
  readonly drop: boolean;
}

/** What start-up found, for the main thread's counters. */
export interface RecoveryReport {
  readonly highestSequenceNumber: number;
  /** Transaction ids below this are settled on this shard; new ones must start above it. */
  readonly flushedBelow: number;
  /** The highest transaction id a segment holds, also above `flushedBelow` (manifest.ts). */
  readonly highestFlushed: number;
  /** Cluster mode: the partition stream's messages up to this sequence are stored here. */
  readonly logApplied: number;
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
  /** Logged batches of unresolved transactions, in log (= transaction id) order. */
  private pending: PendingBatch[] = [];
  /** Reads write batches' series entries in place (one reader: the shard is one thread). */
  private readonly entryReader = new SeriesEntryReader();
  /** Series with committed rows not yet sealed into chunks. */
  private unsealed: SeriesMemory[] = [];
  /** Which series the entries of a repeating batch layout belong to (see batch-layouts.ts). */
  private readonly layouts = new BatchLayouts<SeriesState>();
  /**
   * Committed batches of a known layout, not yet appended to their series' memtables: that is
   * done in bulk, series by series (settleDeferred), before anything reads a memtable.
   */
  private deferred: { readonly batch: WriteBatchEntries; readonly states: readonly SeriesState[] }[] = [];
  /** Bytes of the committed batches whose rows are not sealed yet. */
  private unsealedBytes = 0;
  /** Buffers of those batches that came with write messages: released once their rows are sealed. */
  private unsealedBuffers: ArrayBuffer[] = [];
  /** The bulk seal under way, a slice at a time (bulk-seal.ts); its batches count in memtableBytes until it ends. */
  private bulkSeal: BulkSeal<SeriesState> | undefined;
  /** Bytes of sealed chunks. */
  private sealedBytes = 0;
  /** Bytes of the memtable the running flush is writing out. */
  private frozenBytes = 0;
  /** The running flush (flushes run one at a time, each after the previous). */
  private flushing: Promise<void> = Promise.resolve();
  /** The running compaction, if any (one at a time, beside flushes). */
  private compaction: Promise<void> | undefined;
  private closing = false;
  /** A flush failed (the disk refused it) and must succeed before the shard is healthy. */
  private flushOwed = false;
  private readonly health: DiskHealth;
  /** Databases being dropped: writes to them are refused until the drop is done. */
  private readonly dropping = new Set<string>();
  /**
   * The highest sequence number on disk within the bound, found at start-up: a data directory
   * from before sequence.json resumes after it. Larger ones can only be client numbers from
   * before the bound. (Afterwards the counter in sequence.json is the only source.)
   */
  private maxSeq = 0;
  /** Cluster mode: the highest stream position logged (log-position-record.ts); 0 otherwise. */
  private logApplied = 0;
  /** The newest transaction status the main thread sent. */
  private status: TxnStatus = { resolvedBelow: 0, aborted: [], committed: [] };
  private failedTxns: number[];
  /** Transactions applied above the watermark (`status.committed`) since the last flush froze the memtable. */
  private appliedAbove: number[] = [];
  private flushScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleSealTimer: NodeJS.Timeout | undefined;
  /** Deletes whose rows are still in some segment (or a running flush, or a pending write). */
  private readonly tombstones: TombstoneSet;
  /** The tombstone number next when the running flush froze its rows. */
  private frozenMark: number | undefined;
  /** Delete records logged since the last flush, to log again beside unresolved writes. */
  private deleteLog: { tid: number; bytes: Uint8Array }[] = [];
  /**
   * Ranges deleted while written rows were still unsealed: cut from the memtables by the next
   * seal of everything (sealAll), which runs before any later batch is applied and before
   * anything reads a memtable.
   */
  private owedCuts: { readonly state: SeriesState; readonly ranges: readonly DeletedRange[] }[] = [];
  /** Checkpoints whose segment files are held for their upload, by hold number. */
  private readonly checkpointHolds = new Map<number, string[]>();
  private nextCheckpointHold = 1;

  /**
   * Opens the shard's files. Nothing is replayed yet: the WAL's transactions are compared with
   * the other shards' first (see `transactionReport` and `recover`).
   */
  constructor(
    private readonly options: ShardOptions,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    settleAdoption(options.dir);
    this.health = new DiskHealth(() => this.recoverDisk(), log, options.degradedFlag);
    this.segments = new SegmentStore(options.dir, options.blockCacheBytes);
    removeAbandonedTemps(manifestPath(options.dir));
    guardManifest(options.dir, segmentFilesIn(options.dir));
    this.manifest = readManifest(options.dir);
    this.logApplied = this.manifest.logApplied ?? 0;
    this.failedTxns = [...(this.manifest.failedTxns ?? [])];
    this.tombstones = new TombstoneSet(this.manifest.nextTombstone ?? 1, this.manifest.tombstones ?? []);
    this.segments.removeOrphans(new Set(this.manifest.segments.map((s) => s.file)));
    this.loadCatalog();
    const walOptions: WalOptions =
      options.walFsync === 'interval' ? { fsync: 'interval', fsyncIntervalMs: options.walFsyncIntervalMs } : { fsync: options.walFsync };
    this.wal = WriteAheadLog.open(join(options.dir, 'wal'), walOptions, (message) => log('warn', message));
  }

  /** What the WAL past the checkpoint and the manifest say about write transactions. */
  transactionReport(): ShardTxnReport {
    const logged = new Map<number, number>();
    let maxLogged = 0;
    this.wal.replay(this.manifest.walCheckpoint, (payload) => {
      if (isDeleteRecord(payload) || isLogPositionRecord(payload)) return;
      const { txn, participants } = isEncodedWriteRecord(payload) ? encodedWriteOf(payload) : readWriteBatch(payload);
      if (txn > 0 && (participants & (participants - 1)) !== 0) logged.set(txn, participants);
      if (txn > maxLogged) maxLogged = txn;
    });
    return { flushedBelow: this.flushedBelow, flushedAbove: this.manifest.flushedAbove ?? [], failed: this.failedTxns, logged, maxLogged };
  }

  /**
   * Replay the WAL past the checkpoint, leaving out transactions some other participant never
   * logged (never acknowledged, so dropped whole). If any was left out, flush at once, so the
   * checkpoint moves past it before other shards' later flushes could make it look complete.
   */
  async recover(aborted: ReadonlySet<number>, liveDatabases: string[]): Promise<RecoveryReport> {
    const applied = new Set<number>();
    let replayed = 0;
    let highestTxn = 0;
    this.wal.replay(this.manifest.walCheckpoint, (record) => {
      if (isDeleteRecord(record)) return this.applyDelete(decodeDeleteRecord(record));
      if (isLogPositionRecord(record)) return void (this.logApplied = Math.max(this.logApplied, decodeLogPositionRecord(record)));
      const payload = isEncodedWriteRecord(record) ? decodeEncodedWriteRecord(record, this.entryReader) : record;
      const batch = readWriteBatch(payload);
      highestTxn = Math.max(highestTxn, batch.txn);
      // A flush carries unresolved batches into the next file: a crash can leave both copies.
      if (batch.txn > 0 && (aborted.has(batch.txn) || applied.has(batch.txn))) return;
      if (batch.txn > 0) applied.add(batch.txn);
      this.applyBatch(batch, payload.byteLength);
      for (const entryAt of batch.entries) {
        this.entryReader.open(batch.views, entryAt);
        this.noteSequenceNumbers(batch.views.f64, this.entryReader.timeAt + this.entryReader.count, this.entryReader.count);
      }
      replayed++;
    });
    if (replayed > 0) this.log('info', `replayed ${replayed} WAL records`);
    // Replayed rows are data at rest too: flushed when idle, like rows of a write.
    if (replayed > 0) this.armIdleFlush();
    // Every logged transaction is resolved now: replayed (committed) or left out (aborted). A
    // flush below must record that, or its checkpoint would drop replayed records while
    // flushedBelow still says they may be missing, and the next recovery would abort them on
    // the shards that still log them. Shards log in id order, so nothing lower is in flight.
    this.status = { resolvedBelow: Math.max(this.status.resolvedBelow, highestTxn + 1), aborted: [], committed: [] };
    if (aborted.size > 0) {
      this.log('warn', `left out ${aborted.size} write requests that were not logged on every shard they touched (never acknowledged)`);
      await this.flush();
    }
    const live = new Set(liveDatabases);
    for (const db of [...this.catalog.keys()]) if (!live.has(db)) await this.dropDatabase(db);
    this.maybeCompact();
    return {
      highestSequenceNumber: this.maxSeq,
      flushedBelow: this.flushedBelow,
      highestFlushed: Math.max(0, ...(this.manifest.flushedAbove ?? [])),
      logApplied: this.logApplied,
    };
  }

  /** Sequence numbers found at start-up, for a data directory from before sequence.json. */
  private noteSequenceNumbers(seq: Float64Array, from: number, count: number): void {
    for (let i = from; i < from + count; i++) if (seq[i]! > this.maxSeq && seq[i]! <= MAX_SEQUENCE_NUMBER) this.maxSeq = seq[i]!;
  }

  /** Why this shard cannot write, if it cannot. */
  get diskProblem(): DiskProblem | undefined {
    return this.health.problem;
  }

  /** If the shard cannot write, try once to recover. */
  retryDisk(): Promise<void> {
    return this.health.retry();
  }

  /**
   * One attempt to leave the degraded state; throws a DiskWriteError while the disk still
   * refuses. A failed WAL starts a fresh file (under `always` cut back to its last good sync:
   * nothing past it was acknowledged, or even visible, since rows become visible only once
   * their transaction committed). What the memtable holds then goes to a segment, so nothing
   * depends on the suspect file.
   */
  private async recoverDisk(): Promise<void> {
    if (this.wal.failed || this.flushOwed) {
      if (this.wal.failed) this.wal.restart();
      await this.flushChecked();
    }
    probeDisk(this.options.dir);
  }

  /** A disk failure turns the shard degraded and becomes the refusal (507/503) callers answer. */
  private asRefusal(error: unknown): unknown {
    if (!(error instanceof DiskWriteError)) return error;
    this.health.failed(error);
    return this.health.refusal();
  }

  private get flushedBelow(): number {
    return this.manifest.flushedBelow ?? 0;
  }

  /** The memtable that fills now (not the one a running flush writes out). */
  private get memtableBytes(): number {
    return this.unsealedBytes + (this.bulkSeal?.bytes ?? 0) + this.sealedBytes;
  }

  /**
   * Take the main thread's news about transactions: batches of committed ones become visible,
   * aborted ones are dropped. Every message to the shard brings it, before anything else.
   */
  advance(status: TxnStatus): void {
    if (status.resolvedBelow > this.status.resolvedBelow) this.status = status;
    if (this.pending.length === 0) return;
    const aborted = new Set(status.aborted);
    const committedEarly = new Set(status.committed);
    let committed = 0;
    while (committed < this.pending.length && this.pending[committed]!.txn < this.status.resolvedBelow) committed++;
    const kept: PendingBatch[] = [];
    let applied = 0;
    this.pending.forEach((pending, i) => {
      if (aborted.has(pending.txn)) return;
      if (i < committed || committedEarly.has(pending.txn)) {
        if (i >= committed) this.appliedAbove.push(pending.txn);
        this.applyBatch(pending.batch, pending.bytes.byteLength);
        if (pending.owned) this.unsealedBuffers.push(pending.bytes.buffer as ArrayBuffer);
        if (pending.mark < this.tombstones.next) this.applyLaterDeletes(pending);
        applied++;
      } else kept.push(pending);
    });
    this.pending = kept;
    // An idle flush that ran while these were pending did not write them: the timer starts again.
    if (applied > 0) this.armIdleFlush();
    this.afterApply();
  }

  /**
   * Log the batches and resolve once the log is durable. Their rows become visible when the
   * main thread reports their transactions committed. Everything before the returned promise
   * runs synchronously, so the mailbox stays one-message-at-a-time; only the fsync wait
   * overlaps the next messages. `encoded[i]`, when given, is batch i as the cluster's log
   * carried it (`txns[i].decoded` says how): that is what the WAL gets.
   */
  write(batches: Uint8Array[], txns: WriteTxn[], encoded: readonly (Uint8Array | undefined)[] = []): Promise<void> {
    let decoded: PendingBatch[];
    let logAppliedBefore = this.logApplied;
    try {
      decoded = this.prepareBatches(batches, txns);
      // A batch that came encoded from the cluster's log is logged as it came (encoded-write-record.ts).
      const records = batches.map((bytes, i) => {
        const { decoded: how, txn, participants, base } = txns[i]!;
        const payload = encoded[i];
        return payload === undefined || how === undefined ? bytes : encodeEncodedWriteRecord({ ...how, txn, participants, base }, payload);
      });
      const position = Math.max(0, ...txns.map((t) => t.logSeq ?? 0));
      this.wal.append(position > this.logApplied ? [...records, encodeLogPositionRecord(position)] : records);
      logAppliedBefore = this.logApplied;
      this.logApplied = Math.max(this.logApplied, position);
    } catch (err) {
      // Refused or not logged: other shards may have logged their parts, and once this shard
      // flushes past these ids only this record tells recovery to leave those parts out.
      this.rememberFailed(txns.map((t) => t.txn));
      throw this.asRefusal(err);
    }
    for (const pending of decoded) this.pending.push(pending);
    this.armIdleFlush();
    return this.wal.durable().catch((err: unknown) => {
      // Never acknowledged, so never committed: the batches leave the pending list, and the
      // stream position falls back to before the first failed append (later ones failed too).
      this.logApplied = Math.min(this.logApplied, logAppliedBefore);
      this.rememberFailed(txns.map((t) => t.txn));
      throw this.asRefusal(err);
    });
  }

  /** Checks a write may be taken, fills in its sequence numbers and stamps its transaction. */
  private prepareBatches(batches: Uint8Array[], txns: WriteTxn[]): PendingBatch[] {
    this.health.assertWritable();
    if (this.memtableBytes + this.frozenBytes > 2 * this.options.memtableBytes + MEMTABLE_HEADROOM_BYTES) {
      // A 503 with Retry-After, as every other overload is answered.
      throw new ServiceUnavailableError('shard memtable is full while a flush catches up; retry the write');
    }
    let position = this.logApplied;
    for (const { logSeq, logPrev } of txns) {
      if (logPrev !== undefined && logPrev > position) throw new ServiceUnavailableError(`stream message ${logPrev} is not stored here yet; message ${logSeq} waits`);
      if (logSeq !== undefined) position = Math.max(position, logSeq);
    }
    return batches.map((bytes, i) => {
      const { txn, logSeq = 0 } = txns[i]!;
      const batch = readWriteBatch(bytes);
      if (this.dropping.has(batch.db)) throw new ShardError(400, `Database ${batch.db} doesn't exist`);
      numberAndStamp(bytes, batch, this.entryReader, txns[i]!);
      return { txn, bytes, batch, mark: this.tombstones.next, owned: bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength, logSeq };
    });
  }

  private rememberFailed(txns: number[]): void {
    this.failedTxns.push(...txns);
    if (this.failedTxns.length > FAILED_TXNS_KEPT) this.failedTxns.splice(0, this.failedTxns.length - FAILED_TXNS_KEPT);
    this.pending = this.pending.filter((p) => !txns.includes(p.txn));
  }

  private applyBatch(batch: WriteBatchEntries, bytes: number): void {
    this.payOwedCuts();
    this.unsealedBytes += bytes;
    const known = this.layouts.find(batch);
    if (known !== undefined) {
      this.deferred.push({ batch, states: known });
      return;
    }
    // A series' entries reach its memtable in arrival order, which decides between equal points.
    this.settleDeferred();
    const { db, views } = batch;
    const entry = this.entryReader;
    // Looked up once a batch, not once a series entry.
    const databases = this.databaseCatalog(db);
    const states: SeriesState[] = [];
    for (const entryAt of batch.entries) {
      entry.open(views, entryAt);
      const series = entry.seriesName();
      const state = seriesIn(databases, series);
      states.push(state);
      state.visibleColumns = undefined;
      for (let c = 0; c < entry.columnCount; c++) {
        entry.nextColumn();
        // The reader hands out one string per name, so a series written with the columns it
        // already has in the same order skips the set.
        if (state.columns[c] !== entry.columnName && !hasColumn(state, entry.columnName)) addColumn(state, entry.columnName);
      }
      state.dropped = false;
      const memory = this.memoryOf(state);
      // Listed when it goes from sealed to unsealed (a scan may seal one in between: sealing
      // it twice is a no-op); a push instead of a set insertion per series per batch.
      if (!memory.hasUnsealed) this.unsealed.push(memory);
      memory.append(views, entryAt, entry.count);
    }
    this.layouts.remember(batch, states);
  }

  /**
   * Appends the deferred batches' entries to their series' memtables, series by series within
   * each run of batches of one layout: a series' state and memtable are read once a run, not
   * once a batch, and its entries still go in in arrival order (a layout names a series once).
   * Called before anything reads a memtable, a series' state or the catalog's membership.
   */
  private settleDeferred(): void {
    this.payOwedCuts();
    this.finishBulkSeal();
    if (this.deferred.length === 0) return;
    this.drainDeferred((memory, batches, offsets) => {
      if (!memory.hasUnsealed) this.unsealed.push(memory);
      memory.appendEntries(batches, offsets);
    });
  }

  /**
   * Takes the deferred batches and, run by run of batches of one layout, series by series:
   * marks the series written, makes its memtable if it has none, and hands `apply` the
   * memtable with the run's batches and the series' entry in each, in arrival order.
   */
  private drainDeferred(apply: (memory: SeriesMemory, batches: readonly BatchViews[], offsets: readonly number[]) => void): void {
    this.finishBulkSeal();
    for (const run of this.takeDeferredRuns()) {
      const offsets = new Array<number>(run.batches.length).fill(0);
      for (let i = 0; i < run.states.length; i++) this.applyRunSeries(run, i, offsets, apply);
    }
  }

  private takeDeferredRuns(): DeferredRun<SeriesState>[] {
    const runs = deferredRuns(this.deferred);
    this.deferred = [];
    return runs;
  }

  /** Marks series `i` of `run` written, and hands `apply` its memtable with its entry in each batch. */
  private applyRunSeries(
    run: DeferredRun<SeriesState>,
    i: number,
    offsets: number[],
    apply: (memory: SeriesMemory, batches: readonly BatchViews[], offsets: readonly number[]) => void,
  ): void {
    const state = run.states[i]!;
    state.visibleColumns = undefined;
    state.dropped = false;
    for (let k = 0; k < run.entries.length; k++) offsets[k] = run.entries[k]![i]!;
    apply(this.memoryOf(state), run.batches, offsets);
  }

  /** The series' memtable, made (and its objects counted) if it has none. */
  private memoryOf(state: SeriesState): SeriesMemory {
    if (state.memory === undefined) {
      state.memory = new SeriesMemory(state.name);
      this.sealedBytes += SERIES_MEMORY_BYTES;
    }
    return state.memory;
  }

  /** Seal in bulk, and flush (after the acknowledgements went out) when the memtable is full. */
  private afterApply(): void {
    if (this.unsealedBytes >= SEAL_BYTES) this.beginBulkSeal();
    else if (this.unsealedBytes > 0) this.armIdleSeal();
    if (this.memtableBytes >= this.options.memtableBytes && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushInBackground();
      });
    }
  }

  private sealAll(): void {
    const owed = this.owedCuts;
    this.owedCuts = [];
    this.finishBulkSeal();
    this.sealDeferred();
    for (const memory of this.unsealed) this.seal(memory);
    this.unsealed = [];
    this.unsealedBytes = 0;
    // Every entry of these batches was just copied into chunks, and they left the WAL path
    // when they were logged: nothing reads them again.
    releaseBuffers(this.unsealedBuffers);
    this.unsealedBuffers = [];
    for (const { state, ranges } of owed) this.cutFromMemory(state, ranges);
  }

  /** Makes the deletes owed to unsealed rows take effect (sealing everything first). */
  private payOwedCuts(): void {
    if (this.owedCuts.length > 0) this.sealAll();
  }

  /**
   * Seals the deferred batches' entries straight into chunks, series by series within each run
   * of batches of one layout, after whatever entries the series had unsealed: nothing is
   * appended to a series' memtable first, so a batch costs its series nothing until the seal.
   */
  private sealDeferred(): void {
    if (this.deferred.length === 0) return;
    this.drainDeferred(this.sealEntries);
  }

  /** Seals a series' entries in `batches` into its memtable's chunks, counted in sealedBytes. */
  private readonly sealEntries = (memory: SeriesMemory, batches: readonly BatchViews[], offsets: readonly number[]): void => {
    const before = memory.sealedBytes;
    memory.sealWith(batches, offsets);
    this.sealedBytes += memory.sealedBytes - before;
  };

  /**
   * Takes every committed row not sealed yet into a bulk seal that runs a slice at a time
   * (bulk-seal.ts). One still under way when the next 8 MiB arrive is finished first, so at
   * most twice that is held as batches.
   */
  private beginBulkSeal(): void {
    this.finishBulkSeal();
    const work = new BulkSeal<SeriesState>(
      this.takeDeferredRuns(),
      this.unsealed,
      this.unsealedBuffers,
      this.unsealedBytes,
      (run, index, offsets) => this.applyRunSeries(run, index, offsets, this.sealEntries),
      (memory) => this.sealMemory(memory),
    );
    this.unsealed = [];
    this.unsealedBuffers = [];
    this.unsealedBytes = 0;
    this.bulkSeal = work;
    const slice = (): void => {
      if (this.bulkSeal !== work) return;
      if (work.sealUntil(performance.now() + SEAL_SLICE_MS)) this.endBulkSeal(work);
      else setImmediate(slice);
    };
    setImmediate(slice);
  }

  /** Completes the bulk seal under way, if any, before anything else touches a memtable. */
  private finishBulkSeal(): void {
    const work = this.bulkSeal;
    if (work === undefined) return;
    work.sealUntil(Number.POSITIVE_INFINITY);
    this.endBulkSeal(work);
  }

  private endBulkSeal(work: BulkSeal<SeriesState>): void {
    this.bulkSeal = undefined;
    // Every entry of these batches was copied into chunks, and they left the WAL path when
    // they were logged: nothing reads them again.
    releaseBuffers(work.buffers);
  }

  /** Seal a series' unsealed entries, counted in sealedBytes. */
  private seal(memory: SeriesMemory): void {
    this.settleDeferred();
    this.sealMemory(memory);
  }

  /** Seals the entries appended to a series' memtable (nothing deferred is left for it). */
  private sealMemory(memory: SeriesMemory): void {
    const before = memory.sealedBytes;
    memory.seal();
    this.sealedBytes += memory.sealedBytes - before;
  }

  /** The memtable's chunks of one series as pieces for a scan of [startUs, endUs) (sealed, settled if it reads most of them; counted in sealedBytes). */
  private memoryPieces(memory: SeriesMemory, startUs: number, endUs: number): readonly Piece[] {
    this.settleDeferred();
    const before = memory.sealedBytes;
    const pieces = memory.settledPieces(startUs, endUs);
    this.sealedBytes += memory.sealedBytes - before;
    return pieces;
  }

  /**
   * A memtable that got no write (or delete) for `flushIdleMs` is flushed, so data at rest is
   * compact; the flush, or else this timer, then lets compaction remove deleted rows.
   */
  private armIdleFlush(): void {
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.memtableBytes > 0 || this.pending.length > 0) this.flushInBackground();
        else this.maybeCompact();
      }, this.options.flushIdleMs);
      this.idleTimer.unref();
    }
  }

  /**
   * Seals the batches left by writes once none came for `idleSealMs`, in slices as a bulk seal
   * at SEAL_BYTES is: writes pause that long between messages under load too, and sealing up
   * to SEAL_BYTES at once held the shard's thread for 30–170 ms (a cluster owner's next
   * messages, and the queries waiting for them, waited that long). A bulk seal under way is
   * left to finish first. Cuts owed by a delete are paid at once, with the seal they wait for.
   */
  private armIdleSeal(): void {
    const idleMs = this.options.idleSealMs;
    if (idleMs === undefined) return;
    if (this.idleSealTimer) {
      this.idleSealTimer.refresh();
      return;
    }
    this.idleSealTimer = setTimeout(() => {
      this.idleSealTimer = undefined;
      if (this.closing || this.unsealedBytes === 0) return;
      if (this.owedCuts.length > 0) this.sealAll();
      else if (this.bulkSeal !== undefined) this.armIdleSeal();
      else this.beginBulkSeal();
    }, idleMs);
    this.idleSealTimer.unref();
  }

  private seriesState(db: string, series: string, create: boolean): SeriesState | undefined {
    return create ? seriesIn(this.databaseCatalog(db), series) : this.catalog.get(db)?.get(series);
  }

  /** The series of `db`, made empty if it has none yet. */
  private databaseCatalog(db: string): Map<string, SeriesState> {
    let databases = this.catalog.get(db);
    if (!databases) {
      databases = new Map();
      this.catalog.set(db, databases);
    }
    return databases;
  }

  /** Rows in segments and memtables, deleted ones included (export-warm-up-trigger.ts). */
  rowsHeld(): number {
    this.settleDeferred();
    let rows = 0;
    for (const databases of this.catalog.values()) {
      for (const state of databases.values()) {
        for (const ref of state.segments) rows += ref.entry.count;
        rows += (state.frozen?.count ?? 0) + (state.memory?.count ?? 0);
      }
    }
    return rows;
  }

  listSeries(db: string): string[] {
    const names: string[] = [];
    for (const [name, state] of this.catalog.get(db) ?? []) if (!state.dropped) names.push(name);
    return names;
  }

  /**
   * Series a delete reaches: the listed ones, and those of logged writes whose transaction has
   * not committed yet (acknowledged, maybe, while an older one is still open): their rows are
   * removed when they commit (applyLaterDeletes).
   */
  deletableSeries(db: string): string[] {
    const names = new Set(this.listSeries(db));
    for (const { batch } of this.pending) if (batch.db === db) for (const series of seriesNamesOf(batch)) names.add(series);
    return [...names];
  }

  /**
   * Delete the rows of the request's series in its range: logged in the WAL as a record of its
   * own, then applied at once — the memtable loses the rows, and a tombstone hides them in the
   * segments written before it until compaction removes them. Resolves once the record is
   * durable. Series the shard does not know are skipped; nothing known, nothing logged.
   */
  async deleteSeries(request: DeleteRequest): Promise<void> {
    const deletable = new Set(this.deletableSeries(request.db));
    const series = request.series.filter((name) => deletable.has(name));
    if (series.length === 0) return;
    const record: DeleteRecord = { tid: this.tombstones.next++, db: request.db, series, startUs: request.startUs, endUs: request.endUs, drop: request.drop };
    const bytes = encodeDeleteRecord(record);
    try {
      this.health.assertWritable();
      this.wal.append([bytes]);
    } catch (err) {
      throw this.asRefusal(err);
    }
    // Applied before the sync: a flush starting meanwhile must not freeze the rows as live.
    this.deleteLog.push({ tid: record.tid, bytes });
    this.applyDelete(record);
    // The space comes back once the shard is idle: deletes in a burst share one rewrite.
    this.armIdleFlush();
    try {
      await this.wal.durable();
    } catch (err) {
      throw this.asRefusal(err);
    }
  }

  /** A logged delete takes effect: tombstones, memtable rows gone, dropped series unlisted. */
  private applyDelete(record: DeleteRecord): void {
    const { tid, db, startUs, endUs } = record;
    for (const name of record.series) {
      this.tombstones.add({ tid, db, series: name, startUs, endUs, ...(record.drop ? { drop: true } : {}) });
      const state = this.seriesState(db, name, false);
      if (!state) continue;
      state.visibleColumns = undefined;
      this.deleteFromMemory(state, [{ startUs, endUs }]);
      if (record.drop) this.dropSeriesState(db, state);
    }
  }

  /** A write logged before deletes that came before it committed: they remove its rows too. */
  private applyLaterDeletes(pending: PendingBatch): void {
    const { db } = pending.batch;
    for (const series of seriesNamesOf(pending.batch)) {
      const later = this.tombstones.since(db, series, pending.mark);
      const state = this.seriesState(db, series, false);
      if (later.length === 0 || !state) continue;
      this.deleteFromMemory(state, later);
      if (later.some((t) => t.drop)) this.dropSeriesState(db, state);
    }
  }

  private deleteFromMemory(state: SeriesState, ranges: readonly DeletedRange[]): void {
    // Rows still in batches are cut once sealed, and everything is sealed in bulk, as a write
    // does at SEAL_BYTES (series by series, a delete over every series took four times as
    // long). Right after writes that seal took 18–31 ms of each shard before the delete could
    // be acknowledged, and the idle seal does it 50 ms later anyway: the cut is owed to it, or
    // to whatever comes first and needs the memtables as they are after the delete.
    if (this.unsealedBytes > 0) {
      this.owedCuts.push({ state, ranges });
      return;
    }
    // Nothing is unsealed: this finishes a bulk seal under way, which took the rows (and any cut
    // owed to them) with it.
    this.sealAll();
    this.cutFromMemory(state, ranges);
  }

  private cutFromMemory(state: SeriesState, ranges: readonly DeletedRange[]): void {
    if (!state.memory) return;
    this.sealedBytes += state.memory.deleteRanges(ranges);
  }

  /** The series leaves the catalog; its segment rows stay hidden by its tombstone. */
  private dropSeriesState(db: string, state: SeriesState): void {
    this.settleDeferred();
    // A layout's states must be listed ones: a write that names this series again takes the long way.
    this.layouts.clear();
    state.dropped = true;
    state.columns.length = 0;
    state.columnSet = undefined;
    this.forgetIfGone(db, state);
  }

  /** A dropped series whose last rows are gone leaves the shard. */
  private forgetIfGone(db: string, state: SeriesState): void {
    this.settleDeferred();
    if (state.dropped && state.segments.length === 0 && !state.frozen && !state.memory?.count) this.catalog.get(db)?.delete(state.name);
  }

  /** A flush nobody waits for; a failure is logged and the data stays in the memtable and WAL. */
  private flushInBackground(): void {
    if (this.closing) return;
    this.flush().catch((err: unknown) => this.log('warn', `flush failed, will retry: ${(err as Error).message}`));
  }

  /**
   * Flush after any running flush; resolves when this one is on disk. If the disk refuses,
   * nothing changes (the data stays in the memtable and the WAL), the shard turns degraded and
   * retries the flush until it succeeds.
   */
  async flush(): Promise<void> {
    try {
      await this.flushChecked();
    } catch (err) {
      throw this.asRefusal(err);
    }
  }

  /** `leavingOut`: a database being dropped, whose rows leave the memtable without being written. */
  private flushChecked(leavingOut?: string): Promise<void> {
    const run = this.flushing.then(async () => {
      this.flushOwed = true;
      const started = performance.now();
      await this.flushOnce(leavingOut);
      recordShardTimer(ShardTimer.Flush, started);
      this.flushOwed = false;
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Write every committed row to one new segment file, then advance the WAL checkpoint. The
   * memtable is frozen first and writes go on into a fresh one; encoding yields to the mailbox
   * every few milliseconds, so writes and queries are served while a flush runs. Batches of
   * unresolved transactions are logged again in the new WAL file (and synced) before the
   * checkpoint passes the file that held them. The rows of `leavingOut` (a database being
   * dropped) are frozen with the rest but not written: once the WAL is cut they are nowhere,
   * and if the flush fails they thaw back with the rest.
   */
  private async flushOnce(leavingOut?: string): Promise<void> {
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
    const mark = this.tombstones.next;
    this.frozenMark = mark;
    // Every committed transaction below this is in the frozen memtable or in a segment, and so
    // are those above it that were applied early: their records leave the WAL with the rest.
    const flushedBelow = Math.max(this.flushedBelow, this.status.resolvedBelow);
    const appliedAbove = this.appliedAbove;
    this.appliedAbove = [];
    const flushedAbove = [...new Set([...(this.manifest.flushedAbove ?? []), ...appliedAbove])].filter((txn) => txn >= flushedBelow);
    // Not the segment list: a compaction may replace part of it while this flush writes, so the
    // flush adds its file to the list as it is then, and on failure takes only that file out.
    const previous = {
      walCheckpoint: this.manifest.walCheckpoint,
      logApplied: this.manifest.logApplied,
      logInSegments: this.manifest.logInSegments,
      flushedBelow: this.manifest.flushedBelow,
      flushedAbove: this.manifest.flushedAbove,
    };
    let written: { segment: SegmentFile; refs: SeriesRef[] } | undefined;
    let checkpoint: number;
    const logApplied = this.logApplied;
    // Unresolved batches are relogged, not written out: the segments reach only below the first.
    const logInSegments = Math.min(logApplied, this.lowestPendingLogSeq() - 1);
    try {
      checkpoint = this.wal.rotate();
      if (this.pending.length > 0) {
        this.wal.append(this.relogged());
        this.wal.sync();
      }
      const kept = leavingOut === undefined ? dirty : dirty.filter(({ db }) => db !== leavingOut);
      if (kept.length > 0) {
        const sources = kept.map(({ db, state }): SeriesSource => ({ db, series: state.name, pieces: state.frozen!.pieces() }));
        written = await this.segments.write(this.manifest.nextSegmentId++, sources, pauser());
        this.manifest.segments = [...this.manifest.segments, { ...written.segment, tombstoneMark: mark }];
      }
      this.manifest.walCheckpoint = checkpoint;
      // The position logged before the rotation: what it covers is in the segment or relogged.
      if (logApplied > 0) {
        this.manifest.logApplied = logApplied;
        this.manifest.logInSegments = logInSegments;
      }
      this.manifest.flushedBelow = flushedBelow;
      this.manifest.flushedAbove = flushedAbove;
      this.manifest.failedTxns = this.failedTxns;
      this.saveManifest();
    } catch (err) {
      // The segment file stays if written: if only the manifest's directory sync failed, the new
      // manifest may be the one on disk; otherwise it is an orphan, deleted at the next start.
      Object.assign(this.manifest, previous);
      const added = written?.segment.file;
      if (added !== undefined) this.manifest.segments = this.manifest.segments.filter((segment) => segment.file !== added);
      this.appliedAbove = [...appliedAbove, ...this.appliedAbove];
      // Nothing is lost: the frozen rows go back in front of what came since, the WAL stays.
      for (const { db, state } of dirty) this.thaw(db, state, mark);
      this.sealAll();
      this.sealedBytes = 0;
      for (const databases of this.catalog.values()) for (const state of databases.values()) if (state.memory) this.sealedBytes += state.memory.sealedBytes + SERIES_MEMORY_BYTES;
      throw err;
    } finally {
      this.frozenBytes = 0;
      this.frozenMark = undefined;
    }
    if (written) for (const ref of written.refs) this.seriesState(ref.entry.db, ref.entry.series, false)!.segments.push(ref);
    for (const { db, state } of dirty) {
      state.frozen = undefined;
      this.forgetIfGone(db, state);
    }
    const firstMark = this.lowestPendingMark();
    this.deleteLog = this.deleteLog.filter((d) => d.tid >= firstMark);
    this.maybeCompact();
    await this.wal.removeBefore(checkpoint);
  }

  /** The lowest stream sequence of an unresolved write; Infinity if none. */
  private lowestPendingLogSeq(): number {
    let lowest = Infinity;
    for (const pending of this.pending) if (pending.logSeq > 0 && pending.logSeq < lowest) lowest = pending.logSeq;
    return lowest;
  }

  /** The oldest tombstone mark an unresolved write carries (a loop: `pending` can be long for a spread). */
  private lowestPendingMark(): number {
    let lowest = Infinity;
    for (const pending of this.pending) if (pending.mark < lowest) lowest = pending.mark;
    return lowest;
  }

  /** Start a compaction in the background when the segments call for one. */
  maybeCompact(): void {
    if (this.compaction || this.dropping.size > 0 || this.closing) return;
    const files =
      planCompaction(this.manifest.segments.map((segment) => ({ file: segment.file, bytes: segment.entries.reduce((sum, e) => sum + e.length, 0) }))) ??
      this.purgePlan();
    if (!files) return;
    this.compaction = this.compact(files)
      .catch((err: unknown) => this.log('warn', `compaction failed, will retry: ${(err as Error).message}`))
      .finally(() => {
        this.compaction = undefined;
        this.maybeCompact();
      });
  }

  /**
   * Merge the given segments (a run of the newest at planning time) into one: each series gets
   * one entry, duplicates of a point merge, and the manifest shrinks. Encoding yields to the
   * mailbox like a flush; the result replaces the run in one synchronous step, in the run's
   * place, and the old files go once no scan holds them.
   */
  private async compact(files: string[]): Promise<void> {
    const window = new Set(files);
    const bySeries = new Map<string, { db: string; series: string; refs: SeriesRef[] }>();
    for (const databases of this.catalog.values()) {
      for (const state of databases.values()) {
        for (const ref of state.segments) {
          if (!window.has(ref.file)) continue;
          const key = `${ref.entry.db}\0${ref.entry.series}`;
          let group = bySeries.get(key);
          if (!group) bySeries.set(key, (group = { db: ref.entry.db, series: ref.entry.series, refs: [] }));
          group.refs.push(ref);
        }
      }
    }
    this.segments.acquire(files);
    // Deletes so far are applied to the rows as they are merged, so none applies to the result.
    const mark = this.tombstones.next;
    try {
      const sources = [...bySeries.values()].map(({ db, series, refs }): SeriesSource => {
        // With every segment of the series in the run, nothing older is left for an erasure to
        // hide: it becomes a plain null, and a point left with no value goes.
        const whole = refs.length === this.seriesState(db, series, false)?.segments.length;
        return {
          db,
          series,
          pieces: refs.flatMap((ref) => this.tombstonedPieces(db, series, ref, false)),
          ...(whole ? { finish: (rows: SeriesColumns) => settleErasures(rows, true) } : {}),
        };
      });
      const written = await this.segments.write(this.manifest.nextSegmentId++, sources, pauser());
      const merged = { ...written.segment, tombstoneMark: mark };
      const current = this.manifest.segments;
      if (!files.every((file) => current.some((segment) => segment.file === file))) {
        this.segments.retire(merged.file);
        return;
      }
      const at = current.findIndex((segment) => window.has(segment.file));
      const rest = current.filter((segment) => !window.has(segment.file));
      // Nothing left (all of it deleted): the run just goes.
      const replacement = merged.entries.length > 0 ? [merged] : [];
      this.manifest.segments = [...rest.slice(0, at), ...replacement, ...rest.slice(at)];
      try {
        this.saveManifest();
      } catch (err) {
        this.manifest.segments = current;
        this.segments.retire(merged.file);
        throw err;
      }
      const mergedRefs = new Map(written.refs.map((ref) => [`${ref.entry.db}\0${ref.entry.series}`, ref]));
      // A series whose rows were all deleted has no entry in the result: it just loses its refs.
      for (const [key, { db, series }] of bySeries) {
        const refs = this.seriesState(db, series, false)?.segments;
        if (!refs) continue;
        const first = refs.findIndex((r) => window.has(r.file));
        const kept = refs.filter((r) => !window.has(r.file));
        const ref = mergedRefs.get(key);
        if (ref && first >= 0) kept.splice(first, 0, ref);
        refs.splice(0, refs.length, ...kept);
        this.forgetIfGone(db, this.seriesState(db, series, false)!);
      }
      if (replacement.length === 0) this.segments.retire(merged.file);
      for (const file of files) this.segments.retire(file);
    } finally {
      this.segments.release(files);
    }
  }

  /**
   * The segments holding deleted rows, with those between them (a run must be contiguous in
   * flush order, so that newer writes of a point keep winning): compacting them reclaims the
   * space, after which the tombstones are dropped.
   */
  private purgePlan(): string[] | undefined {
    const segments = this.manifest.segments;
    const hit = (segment: SegmentFile): boolean =>
      segment.entries.some((e) => this.tombstones.rangesFor(e.db, e.series, segment.tombstoneMark ?? 0, e.minTime, e.maxTime).length > 0);
    const first = segments.findIndex(hit);
    if (first < 0) return undefined;
    let last = segments.length - 1;
    while (!hit(segments[last]!)) last--;
    return segments.slice(first, last + 1).map((segment) => segment.file);
  }

  /** A segment series' pieces, without the rows deleted after the segment's rows were written. */
  private tombstonedPieces(db: string, series: string, ref: SeriesRef, cached: boolean): readonly Piece[] {
    const pieces = this.segments.pieces(ref, cached);
    const mark = this.manifest.segments.find((segment) => segment.file === ref.file)?.tombstoneMark ?? 0;
    const ranges = this.tombstones.rangesFor(db, series, mark, ref.entry.minTime, ref.entry.maxTime);
    return ranges.length === 0 ? pieces : pieces.map((piece) => tombstonedPiece(piece, ranges));
  }

  /**
   * Put a failed flush's rows back into the memtable, older than anything written since, less
   * what deletes since the freeze (numbered from `mark`) removed.
   */
  private thaw(db: string, state: SeriesState, mark: number): void {
    this.settleDeferred();
    const frozen = state.frozen;
    if (!frozen) return;
    state.frozen = undefined;
    frozen.deleteRanges(this.tombstones.since(db, state.name, mark));
    if (state.memory) for (const chunk of state.memory.sealedChunks()) frozen.appendChunk(chunk);
    state.memory = frozen;
  }

  /**
   * The unresolved writes to log again in a new WAL file, with the deletes logged after each of
   * them in between, in their original order: replay must delete from a write what the deletes
   * logged after it deleted.
   */
  private relogged(): Uint8Array[] {
    const payloads: Uint8Array[] = [];
    const firstMark = this.lowestPendingMark();
    const deletes = this.deleteLog.filter((d) => d.tid >= firstMark);
    let next = 0;
    for (const pending of this.pending) {
      while (next < deletes.length && deletes[next]!.tid < pending.mark) payloads.push(deletes[next++]!.bytes);
      payloads.push(pending.bytes);
    }
    for (; next < deletes.length; next++) payloads.push(deletes[next]!.bytes);
    return payloads;
  }

  /** A database's data leaves the disk: memtables, WAL (by flushing), segment files. */
  async dropDatabase(db: string): Promise<void> {
    try {
      await this.dropDatabaseNow(db);
    } catch (err) {
      throw this.asRefusal(err);
    }
  }

  private async dropDatabaseNow(db: string): Promise<void> {
    // Writes logged before the drop and still unresolved are dropped with it, never committed later.
    this.pending = this.pending.filter((p) => p.batch.db !== db);
    if (!this.catalog.has(db)) return;
    this.dropping.add(db);
    try {
      await this.compaction;
      // The database's own rows are not written out only to be deleted: the flush leaves them out.
      await this.flushChecked(db);
      this.pending = this.pending.filter((p) => p.batch.db !== db);
      const dropped = this.catalog.get(db);
      this.settleDeferred();
      this.layouts.clear();
      this.catalog.delete(db);
      this.tombstones.retain((t) => t.db !== db);
      // Each file holding the database is replaced (or just goes); the list is edited only once
      // the rewrites are done, as it is then: a flush may have added a file meanwhile.
      const replaced = new Map<string, SegmentFile | undefined>();
      for (const segment of this.manifest.segments) {
        if (!segment.entries.some((e) => e.db === db)) continue;
        replaced.set(segment.file, segment.entries.every((e) => e.db === db) ? undefined : await this.rewriteWithout(segment, db));
      }
      this.manifest.segments = this.manifest.segments.flatMap((segment) => {
        if (!replaced.has(segment.file)) return [segment];
        const replacement = replaced.get(segment.file);
        return replacement ? [replacement] : [];
      });
      const obsolete = [...replaced.keys()];
      try {
        this.saveManifest();
      } catch (err) {
        if (dropped) this.catalog.set(db, dropped);
        throw err;
      }
      for (const file of obsolete) this.segments.retire(file);
    } finally {
      this.dropping.delete(db);
    }
  }

  /** Copy every series of `segment` but those of `db` into a new file and point them at it. */
  private async rewriteWithout(segment: SegmentFile, db: string): Promise<SegmentFile> {
    const refs: SeriesRef[] = [];
    for (const databases of this.catalog.values()) {
      for (const state of databases.values()) for (const ref of state.segments) if (ref.file === segment.file && ref.entry.db !== db) refs.push(ref);
    }
    const sources = refs.map((ref): SeriesSource => ({ db: ref.entry.db, series: ref.entry.series, pieces: this.segments.pieces(ref) }));
    const rewritten = await this.segments.write(this.manifest.nextSegmentId++, sources, pauser());
    const mark = segment.tombstoneMark;
    for (const ref of rewritten.refs) {
      const list = this.seriesState(ref.entry.db, ref.entry.series, false)?.segments;
      const at = list?.findIndex((r) => r.file === segment.file) ?? -1;
      if (at >= 0) list![at] = ref;
    }
    return mark === undefined ? rewritten.segment : { ...rewritten.segment, tombstoneMark: mark };
  }

  /** Lets go of the segment files `holdSnapshots` held (see there). */
  releaseFiles(files: readonly string[]): void {
    this.segments.release(files);
  }

  /**
   * Runs `work` over snapshots of the request's series within this one message. Every series
   * is checked first (a missing one or column fails the request before any of it is
   * answered), but each is snapshotted only when the work reaches it: nothing else runs on
   * this thread until `work` returns, so it sees what it would have seen at the start, and
   * snapshots made one at a time die young instead of surviving the scavenges of a long work.
   */
  withSnapshots<T>(request: SnapshotRequest, work: (snapshot: (series: string) => SeriesSnapshot) => T): T {
    const files = this.holdSnapshots(request);
    try {
      return work((name) => this.seriesSnapshot(request, name));
    } finally {
      this.segments.release(files);
    }
  }

  /** `withSnapshots` for work that lets other messages in before it ends: the files are held until it has. */
  async withSnapshotsAsync<T>(request: SnapshotRequest, work: (snapshot: (series: string) => SeriesSnapshot) => Promise<T>): Promise<T> {
    const files = this.holdSnapshots(request);
    try {
      return await work((name) => this.seriesSnapshot(request, name));
    } finally {
      this.segments.release(files);
    }
  }

  /**
   * Checks every series of the request as a snapshot would (a missing one or column fails the
   * request before any of it is answered) and holds their segment files until `releaseFiles`:
   * a drop or rewrite that runs while a reader is paged out leaves them readable meanwhile.
   */
  holdSnapshots(request: SnapshotRequest): string[] {
    const databases = this.catalog.get(request.db);
    const files = new Set<string>();
    for (const name of request.series) {
      const state = checkedSeries(databases?.get(name), name, request.requiredColumns);
      const restriction = restrictionFor(request.restrictions, name);
      if (restriction) this.checkedVisibleColumns(request.db, state, restriction, request.requiredColumns);
      for (const { file } of state.segments) files.add(file);
    }
    const held = [...files];
    this.segments.acquire(held);
    return held;
  }

  /**
   * One series' snapshot for the request (restricted to what its reader may see), as it is
   * now; its files must be held (`holdSnapshots`) for as long as it is read.
   */
  seriesSnapshot(request: SnapshotRequest, name: string): SeriesSnapshot {
    const state = checkedSeries(this.catalog.get(request.db)?.get(name), name, request.requiredColumns);
    const snapshot = this.snapshotOf(request.db, state, request);
    const restriction = restrictionFor(request.restrictions, name);
    if (!restriction) return snapshot;
    return restriction.restrict(snapshot, this.checkedVisibleColumns(request.db, state, restriction, request.requiredColumns));
  }

  /** Throws the 400 a query over these series would meet, before any of it is answered. */
  checkSeries(db: string, series: readonly string[], requiredColumns: readonly string[], restrictions?: SnapshotRestrictions): void {
    const databases = this.catalog.get(db);
    for (const name of series) {
      const state = checkedSeries(databases?.get(name), name, requiredColumns);
      const restriction = restrictionFor(restrictions, name);
      if (restriction) this.checkedVisibleColumns(db, state, restriction, requiredColumns);
    }
  }

  /**
   * The columns a restricted reader sees in a series (restricted-snapshot.ts), with the 400 a
   * column it cannot see gets, as if the series never had it. Finding them reads the series'
   * permitted rows, so the answer is kept until the series' rows next change.
   */
  private checkedVisibleColumns(db: string, state: SeriesState, restriction: SnapshotRestriction, requiredColumns: readonly string[]): readonly string[] {
    const { key } = restriction;
    let known = state.visibleColumns;
    if (known?.key !== key) {
      const whole = this.snapshotOf(db, state, { startUs: -Infinity, endUs: Infinity, order: 'asc' });
      known = { key, columns: restriction.visibleColumns(whole, state.columns) };
      state.visibleColumns = known;
    }
    for (const field of requiredColumns) {
      if (!known.columns.includes(field)) throw new ShardError(400, `Field ${field} doesn't exist in series ${state.name}`);
    }
    return known.columns;
  }

  /** What a scan reads of one series: its segment blocks and memtable chunks as they are now. */
  private snapshotOf(db: string, state: SeriesState, request: SnapshotRange): SeriesSnapshot {
    this.settleDeferred();
    const refs = state.segments.filter((ref) => ref.entry.maxTime >= request.startUs && ref.entry.minTime < request.endUs);
    // Tombstones are read now: the files may have left the manifest when the cursor gets here.
    const deleted = this.tombstones.any(db, state.name);
    const segmentPieces = deleted ? refs.map((ref) => this.tombstonedPieces(db, state.name, ref, true)) : undefined;
    // A frozen memtable was sealed when the flush froze it; the live one is sealed here.
    const frozen = state.frozen?.pieces() ?? NO_PIECES;
    const frozenRanges = deleted && this.frozenMark !== undefined ? this.tombstones.rangesFor(db, state.name, this.frozenMark) : [];
    const live = state.memory ? this.memoryPieces(state.memory, request.startUs, request.endUs) : NO_PIECES;
    return {
      columns: [...state.columns],
      // A piece per block is made only when the cursor reaches the series, not for every series at open.
      blocks: (answered, maxRows = BLOCK_ROWS) => {
        // One segment and nothing else (the usual series at rest): its pieces as they are kept.
        if (!segmentPieces && refs.length === 1 && frozen.length === 0 && live.length === 0) {
          return settledBlocks(seriesBlocks(this.segments.pieces(refs[0]!, true), request.startUs, request.endUs, request.order, maxRows, answered));
        }
        // Plain loops: flatMap and spreads cost more than the rest of a one-block series' scan.
        const pieces: Piece[] = [];
        if (segmentPieces) for (const list of segmentPieces) for (const piece of list) pieces.push(piece);
        else for (const ref of refs) for (const piece of this.segments.pieces(ref, true)) pieces.push(piece);
        for (const piece of frozen) pieces.push(tombstonedPiece(piece, frozenRanges));
        for (const piece of live) pieces.push(piece);
        return settledBlocks(seriesBlocks(pieces, request.startUs, request.endUs, request.order, maxRows, answered));
      },
    };
  }

  /**
   * The segments as the manifest last saved lists them, held on disk (through compactions
   * and drops) until `releaseCheckpoint(hold)`: another node installs them (cluster failover).
   */
  takeCheckpoint(): { checkpoint: ShardCheckpoint; hold: number } {
    const saved = readManifest(this.options.dir);
    const files = saved.segments.map((segment) => segment.file);
    this.segments.acquire(files);
    try {
      const checkpoint = checkpointOf(saved, (file) => resolve(this.segments.pathOf(file)));
      const hold = this.nextCheckpointHold++;
      this.checkpointHolds.set(hold, files);
      return { checkpoint, hold };
    } catch (err) {
      this.segments.release(files);
      throw err;
    }
  }

  releaseCheckpoint(hold: number): void {
    const files = this.checkpointHolds.get(hold);
    if (!files) return;
    this.checkpointHolds.delete(hold);
    this.segments.release(files);
  }

  /** Whether a checkpoint's files are still held (its upload may be reading them). */
  get holdsCheckpoint(): boolean {
    return this.checkpointHolds.size > 0;
  }

  /** The databases the shard holds anything of. */
  databases(): string[] {
    return [...this.catalog.keys()];
  }

  /**
   * Close without flushing: the state is about to be replaced (an adopted checkpoint), so
   * what only the memtable and the WAL hold is given up. Waits for a running flush or
   * compaction, whose files would otherwise be written into the replaced state.
   */
  async abandon(): Promise<void> {
    this.closing = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.idleSealTimer) clearTimeout(this.idleSealTimer);
    await this.flushing;
    await this.compaction;
    this.wal.close();
    this.segments.close();
  }

  /** Flush and close. A flush the disk refuses is only logged: its data is in the WAL for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.idleSealTimer) clearTimeout(this.idleSealTimer);
    try {
      if (this.wal.failed) this.wal.restart();
      await this.flushChecked();
    } catch (error) {
      if (!(error instanceof DiskWriteError)) throw error;
      this.log('error', `flush at close failed, the WAL keeps the data for the next start: ${error.message}`);
    }
    await this.compaction;
    this.wal.close();
    this.segments.close();
  }

  private loadCatalog(): void {
    for (const [db, seriesMap] of Object.entries(this.manifest.catalog)) {
      for (const [series, columns] of Object.entries(seriesMap)) {
        const state = this.seriesState(db, series, true)!;
        for (const c of columns) addColumn(state, c);
      }
    }
    for (const segment of this.manifest.segments) {
      const refs = this.segments.refsOf(segment);
      if (segment.entries.length === 0) segment.entries.push(...entriesOf(segment, refs));
      for (const ref of refs) {
        const { entry } = ref;
        const state = this.seriesState(entry.db, entry.series, true)!;
        // Rows of a series the catalog no longer lists are those of a dropped series.
        if (this.manifest.catalog[entry.db]?.[entry.series] === undefined) state.dropped = true;
        state.segments.push(ref);
        if (entry.maxSeq > this.maxSeq && entry.maxSeq <= MAX_SEQUENCE_NUMBER) this.maxSeq = entry.maxSeq;
      }
    }
  }

  private saveManifest(): void {
    const catalog: ManifestDocument['catalog'] = {};
    for (const [db, databases] of this.catalog) {
      catalog[db] = {};
      for (const [name, state] of databases) if (!state.dropped) catalog[db][name] = state.columns;
    }
    this.manifest.catalog = catalog;
    this.dropSettledTombstones();
    this.manifest.tombstones = this.tombstones.all();
    this.manifest.nextTombstone = this.tombstones.next;
    writeManifest(this.options.dir, this.manifest);
  }

  /**
   * Tombstones still needed: those that some listed segment's rows in their range predate, or
   * the rows of the running flush, or a logged write not committed yet.
   */
  private dropSettledTombstones(): void {
    const lowest = Math.min(this.frozenMark ?? Infinity, this.lowestPendingMark());
    const bySeries = new Map<string, { mark: number; minTime: number; maxTime: number }[]>();
    for (const segment of this.manifest.segments) {
      for (const e of segment.entries) {
        const key = `${e.db}\0${e.series}`;
        const list = bySeries.get(key) ?? [];
        list.push({ mark: segment.tombstoneMark ?? 0, minTime: e.minTime, maxTime: e.maxTime });
        bySeries.set(key, list);
      }
    }
    this.tombstones.retain(
      (t) => t.tid >= lowest || (bySeries.get(`${t.db}\0${t.series}`)?.some((e) => e.mark <= t.tid && e.minTime < t.endUs && e.maxTime >= t.startUs) ?? false),
    );
  }
}

/** A queried series, which must exist and have had every required column. */
function checkedSeries(state: SeriesState | undefined, name: string, requiredColumns: readonly string[]): SeriesState {
  if (!state || state.dropped) throw new ShardError(400, `Couldn't look up columns for series: ${name}`);
  for (const field of requiredColumns) {
    if (!hasColumn(state, field)) throw new ShardError(400, `Field ${field} doesn't exist in series ${name}`);
  }
  return state;
}

const NO_PIECES: readonly Piece[] = [];


/** A pause for long work on the shard's thread: lets the mailbox in every FLUSH_SLICE_MS. */
function pauser(): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < FLUSH_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
}

/**
 * A series with at most this many columns finds one by a scan of its list: a set apiece cost
 * some 200 bytes a series, a fifth of what a series written a point now and then holds.
 */
const COLUMN_SET_FROM = 16;

function hasColumn(state: SeriesState, name: string): boolean {
  return state.columnSet !== undefined ? state.columnSet.has(name) : state.columns.includes(name);
}

function addColumn(state: SeriesState, name: string): void {
  state.columns.push(name);
  if (state.columnSet !== undefined) state.columnSet.add(name);
  else if (state.columns.length > COLUMN_SET_FROM) state.columnSet = new Set(state.columns);
}

/** The state of `series` among a database's series, made empty if it has none yet. */
function seriesIn(databases: Map<string, SeriesState>, series: string): SeriesState {
  let state = databases.get(series);
  if (!state) {
    state = { name: series, columns: [], columnSet: undefined, segments: [], frozen: undefined, memory: undefined, dropped: false, visibleColumns: undefined };
    databases.set(series, state);
  }
  return state;
}
