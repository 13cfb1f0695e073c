import { createShardCounters } from '../storage/shard-counters.js';
import { Piscina } from 'piscina';
import type { AggregateRequest, EncodedAnswer, EncodedSeries } from '../operators/aggregate-scan.js';
import type { ArrowAggregateRequest, OneSeriesBatch } from '../operators/aggregate-arrow.js';
import type { MergedAggregateRequest } from '../operators/merged-aggregate.js';
import type { SeriesPartial } from '../engine/series-partial.js';
import type { PeriodicRequest, PeriodicRunOutput } from '../lifecycle/periodic-output.js';
import { RETRY_AFTER_SECONDS, HttpError, isErrorReply, ServiceUnavailableError, toHttpError, type ErrorReply } from '../errors.js';
import { ByteBudget } from '../util/byte-budget.js';
import { WORKER_RESOURCE_LIMITS } from '../util/worker-heap.js';
import type { DiskProblem } from '../storage/disk-health.js';
import type { ArrowScanOutput, Page, ScanRequest, ScanSurvey } from '../operators/scan-cursor.js';
import { jsonPageSlots } from '../storage/page-slots.js';
import type { RecoveryReport, WriteTxn } from '../storage/shard.js';
import type { ShardCheckpoint } from '../storage/shard-checkpoint.js';
import type { BlockScanRequest } from '../operators/block-cursor.js';
import type { KindSet } from '../storage/kind-set.js';
import { wireBuffers, type BlockDelivery, type WireBlock } from '../storage/block-wire.js';
import type { SeriesPattern } from '../regex.js';
import { threadIdSlots } from '../util/thread-ids.js';
import type { HealthReply, SeriesDeleteRequest, SeriesListRequest, ShardWorkerData } from './shard-worker.js';
import type { ShardTxnReport, TxnStatus } from '../storage/transactions.js';

interface PendingWrite {
  readonly batch: ArrayBuffer;
  readonly txn: WriteTxn;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** One mailbox entry: writes that queued back to back go as one message; anything else alone. */
type Operation =
  | { readonly kind: 'writes'; readonly writes: PendingWrite[] }
  | {
      readonly kind: 'task';
      readonly name: string;
      readonly task: object;
      readonly transferList: ArrayBuffer[];
      readonly settle: (reply: Promise<unknown>) => void;
      /** Sent only once nothing else is in flight, and nothing is sent until it is done. */
      readonly alone?: boolean;
    };

/**
 * The operations a query makes of a shard. In cluster mode, a shard whose partition another
 * node stores sends these to that node (useRemote), and a node takes only these from others.
 */
const QUERY_OPERATIONS: ReadonlySet<string> = new Set([
  'openScanWithPage', 'openScan', 'nextPage', 'surveyScan', 'closeCursor',
  'aggregate', 'surveyAggregate', 'aggregateBatch', 'aggregateMergedPartial', 'aggregateMerged', 'aggregateMergedInArrow',
  'openBlockScan', 'surveyBlockScan', 'nextBlock', 'openMerge', 'mergePage', 'closeMerge',
  'listSeries', 'periodicRun',
]);

/** Sends a query operation to the node that stores the shard's partition (cluster mode). */
export type RemoteShard = (name: string, task: object) => Promise<unknown>;

/** What a shard that opens nothing reports at start-up: no transactions, no points. */
const NOTHING_LOGGED: ShardTxnReport = { flushedBelow: 0, flushedAbove: [], failed: [], logged: new Map(), maxLogged: 0 };
const NOTHING_STORED: RecoveryReport = { highestSequenceNumber: 0, flushedBelow: 0, highestFlushed: 0, logApplied: 0 };

/** Page buffer pairs kept per shard between chunked scans: 2 MiB each at most. */
const SPARE_JSON_SLOT_PAIRS = 4;

/** Write messages a shard may hold at once; more wait here and go together as one message. */
const WRITES_IN_FLIGHT = 4;

/**
 * The main thread's side of one shard actor: a single-thread piscina pool whose queue is the
 * actor's mailbox. The actor handles a write synchronously and then awaits its WAL sync, so a
 * few write messages are let in at once: their syncs coalesce (group commit). Writes beyond
 * that wait here and are sent together as one message.
 *
 * Every operation goes through the one queue here, in call order: piscina hands a single
 * thread its tasks first in, first out, so an operation queued after a write is applied after
 * it — a drop never overtakes the writes accepted before it.
 */
export class ShardHandle {
  /** The shard's thread; none on a node that stores no partition (a cluster's front end only). */
  private readonly pool: Piscina | undefined;
  private readonly queue: Operation[] = [];
  private writesInFlight = 0;
  /** Operations other than writes sent to the thread and not yet answered. */
  private tasksInFlight = 0;
  /** An operation that must run alone (adoptCheckpoint) is in flight. */
  private aloneInFlight = false;
  /** Bytes of write batches queued or in flight; past it new writes are refused. */
  private readonly queuedWrites: ByteBudget;
  /** The next recovery attempt while the shard's disk refuses writes. */
  private diskRetry: NodeJS.Timeout | undefined;
  private closing = false;
  /** Cluster mode, a partition another node stores: where query operations go instead. */
  private remote: RemoteShard | undefined;
  /** Written by the shard's thread: 1 while it is degraded (see DiskHealth). */
  private readonly degradedFlag = new Int32Array(new SharedArrayBuffer(4));
  /** Written by the shard's thread: its WAL and flush timings (storage/shard-counters.ts). */
  readonly timers = createShardCounters();
  /** The shard thread's kernel thread id, once it has started (util/thread-ids.ts). */
  readonly threadIds = threadIdSlots(1);
  /** Page buffers of chunked JSON scans that finished, kept for the next ones (page-slots.ts). */
  private readonly spareJsonSlots: (readonly SharedArrayBuffer[])[] = [];

  /**
   * `status` gives the main thread's transaction status for this shard; every message that can
   * change or read what the shard holds carries it, so the shard learns which logged writes are
   * committed before it does anything else. Each call hands out the aborts it reports only
   * once, so only messages whose worker function passes it to `advance` may take it.
   */
  constructor(
    readonly index: number,
    data: Omit<ShardWorkerData, 'degradedFlag' | 'timers' | 'threadIds'>,
    queueBytes: number,
    private readonly status: () => TxnStatus,
    /**
     * False on a cluster node that stores no partition (not in `cluster_nodes`): no thread is
     * started and nothing is opened on disk; query operations go to the partition's owner
     * (useRemote), and anything else answers 503.
     */
    stored = true,
  ) {
    this.queuedWrites = new ByteBudget(queueBytes);
    const workerData: ShardWorkerData = { ...data, degradedFlag: this.degradedFlag, timers: this.timers, threadIds: this.threadIds };
    this.pool = !stored
      ? undefined
      : new Piscina({
          filename: new URL('./shard-worker.js', import.meta.url).href,
          workerData,
          minThreads: 1,
          maxThreads: 1,
          // The worker runs each message to completion before the next; only awaited WAL syncs overlap.
          concurrentTasksPerWorker: WRITES_IN_FLIGHT + 4,
          idleTimeout: Number.POSITIVE_INFINITY,
          resourceLimits: WORKER_RESOURCE_LIMITS,
          // The actor has timers of its own (idle flush, the WAL's interval fsync); with 'sync'
          // atomics piscina parks the thread between messages and they would never fire.
          atomics: 'async',
        });
  }

  /** Runs `name` on the shard's thread; on a node that stores no partition, a 503. */
  private run(task: object, options: { name: string; transferList?: ArrayBuffer[] }): Promise<unknown> {
    if (this.pool === undefined) return Promise.reject(new ServiceUnavailableError(`partition ${this.index} is stored by other nodes: this node is a front end only`));
    return this.pool.run(task, options);
  }

  /**
   * Cluster mode: from now on this shard's query operations go to the node that stores its
   * partition, or, with undefined, to the local shard again (the partition moved here).
   */
  useRemote(remote: RemoteShard | undefined): void {
    this.remote = remote;
  }

  /**
   * A query operation another node sends (cluster mode), run here as if asked locally: with
   * this node's transaction status, the reply as the shard's thread gives it.
   */
  runForPeer(name: string, task: object): Promise<unknown> {
    if (!QUERY_OPERATIONS.has(name)) return Promise.reject(new Error(`${name} is not an operation other nodes may ask of a shard`));
    return this.enqueue(name, 'status' in task ? { ...task, status: this.status() } : task);
  }

  /** A pair of buffers for a chunked JSON scan's pages (ScanRequest.pageSlots); give it back once the scan is over. */
  takeJsonSlots(): readonly SharedArrayBuffer[] {
    return this.spareJsonSlots.pop() ?? jsonPageSlots();
  }

  /** Takes back a pair no page is written into or read from any more. */
  giveBackJsonSlots(slots: readonly SharedArrayBuffer[]): void {
    if (this.spareJsonSlots.length < SPARE_JSON_SLOT_PAIRS) this.spareJsonSlots.push(slots);
  }

  /** Start-up, step 1: open the shard's files and report its WAL's transactions. */
  init(): Promise<ShardTxnReport> {
    if (this.pool === undefined) return Promise.resolve(NOTHING_LOGGED);
    return this.run({}, { name: 'init' }) as Promise<ShardTxnReport>;
  }

  /** Start-up, step 2: replay without the incomplete transactions. */
  recover(aborted: number[], liveDatabases: string[]): Promise<RecoveryReport> {
    if (this.pool === undefined) return Promise.resolve(NOTHING_STORED);
    return this.run({ aborted, liveDatabases }, { name: 'recover' }) as Promise<RecoveryReport>;
  }

  /** Whether the write queue is at its bound (new writes should be turned away early). */
  get saturated(): boolean {
    return this.queuedWrites.full;
  }

  /** Bytes of write batches queued or in flight (for /metrics). */
  get queuedWriteBytes(): number {
    return this.queuedWrites.used;
  }

  /** Operations waiting in the mailbox, writes held back included (for /metrics). */
  get queuedOperations(): number {
    return this.queue.length;
  }

  /** Whether a batch of this size may be queued now. */
  hasRoomFor(bytes: number): boolean {
    return this.queuedWrites.fits(bytes);
  }

  /**
   * Resolves once the batch is durable in the shard's WAL (it becomes visible once its
   * transaction commits). The caller checked `hasRoomFor`.
   */
  write(batch: ArrayBuffer, txn: WriteTxn): Promise<void> {
    const bytes = batch.byteLength;
    this.queuedWrites.take(bytes);
    return new Promise<void>((resolve, reject) => {
      const pending = { batch, txn, resolve, reject };
      const last = this.queue.at(-1);
      if (last?.kind === 'writes') last.writes.push(pending);
      else this.queue.push({ kind: 'writes', writes: [pending] });
      this.dispatch();
    }).finally(() => this.queuedWrites.give(bytes));
  }

  /** Sends queued operations in order, holding writes back while enough are in flight. */
  private dispatch(): void {
    for (let next = this.queue[0]; next && !this.aloneInFlight; next = this.queue[0]) {
      if (next.kind === 'writes' && this.writesInFlight >= WRITES_IN_FLIGHT) return;
      if (next.kind === 'task' && next.alone && this.writesInFlight + this.tasksInFlight > 0) return;
      this.queue.shift();
      if (next.kind === 'writes') this.sendWrites(next.writes);
      else this.sendTask(next);
    }
  }

  /**
   * The thread interleaves messages whose work awaits (a WAL sync, a flush's slices), so an
   * operation that must run alone waits for those in flight, and holds back those after it.
   */
  private sendTask(operation: Extract<Operation, { kind: 'task' }>): void {
    this.tasksInFlight++;
    if (operation.alone) this.aloneInFlight = true;
    const reply = this.run(operation.task, { name: operation.name, transferList: operation.transferList });
    operation.settle(reply);
    const done = (): void => {
      this.tasksInFlight--;
      if (operation.alone) this.aloneInFlight = false;
      this.dispatch();
    };
    reply.then(done, done);
  }

  private sendWrites(group: PendingWrite[]): void {
    this.writesInFlight++;
    const batches = group.map((w) => w.batch);
    this.run({ batches, txns: group.map((w) => w.txn), status: this.status() }, { name: 'write', transferList: batches })
      .then((reply: unknown) => {
        if (isErrorReply(reply)) throw toHttpError(reply);
        for (const w of group) w.resolve();
      })
      .catch((err: unknown) => {
        this.noteRefusal(err);
        for (const w of group) w.reject(err as Error);
      })
      .finally(() => {
        this.writesInFlight--;
        this.dispatch();
      });
  }

  /**
   * Opens a scan and takes its first page with it (one round trip). A failure of the page
   * itself is handed back in its place, for the caller to meet where it reads the page. With
   * `seriesPattern`, the request's `series` is ignored and the shard scans its series that
   * match, in byte order; `matched` counts them.
   */
  async openScanWithPage(request: ScanRequest, seriesPattern?: SeriesPattern): Promise<{ cursorId: number; page: Page | HttpError; matched: number }> {
    const task = { ...request, status: this.status(), ...(seriesPattern ? { seriesPattern } : {}) };
    const { cursorId, page, matched } = await this.call<{ cursorId: number; page: Page | ErrorReply; matched: number }>('openScanWithPage', task);
    if (!isErrorReply(page)) return { cursorId, page, matched };
    const error = toHttpError(page);
    this.noteRefusal(error);
    return { cursorId, page: error, matched };
  }

  openScan(request: ScanRequest): Promise<number> {
    return this.call<{ cursorId: number }>('openScan', { ...request, status: this.status() }).then((r) => r.cursorId);
  }

  aggregate(request: AggregateRequest): Promise<EncodedAnswer> {
    return this.call<EncodedAnswer>('aggregate', { ...request, status: this.status() });
  }

  /** The kinds of an Arrow aggregate's output columns over this shard's series of the request. */
  surveyAggregate(request: ArrowAggregateRequest): Promise<Record<string, KindSet>> {
    return this.call<Record<string, KindSet>>('surveyAggregate', { ...request, status: this.status() });
  }

  /** An Arrow aggregate's rows for the request's series as one record batch message. */
  async aggregateBatch(request: ArrowAggregateRequest & { output: ArrowScanOutput }): Promise<Uint8Array> {
    return (await this.call<{ bytes: Uint8Array }>('aggregateBatch', { ...request, status: this.status() })).bytes;
  }

  /** The one partial of the merged series this shard owns (operators/merged-aggregate.ts). */
  aggregateMergedPartial(request: MergedAggregateRequest): Promise<SeriesPartial> {
    return this.call<SeriesPartial>('aggregateMergedPartial', { ...request, status: this.status() });
  }

  /** A merge's rows: this shard's members folded with the other shards' partials. */
  aggregateMerged(request: MergedAggregateRequest, partials: SeriesPartial[]): Promise<EncodedSeries[]> {
    return this.call<EncodedSeries[]>('aggregateMerged', { ...request, partials, status: this.status() });
  }

  /** A merge's aggregate rows for `format=arrow`: one record batch and the column types it holds. */
  aggregateMergedInArrow(request: MergedAggregateRequest & { columns: readonly string[] }, partials: SeriesPartial[]): Promise<OneSeriesBatch> {
    return this.call<OneSeriesBatch>('aggregateMergedInArrow', { ...request, partials, status: this.status() });
  }

  /** A periodic continuous query's run over this shard's series: its output as write batches per shard, or as the log's messages. */
  periodicRun(request: PeriodicRequest): Promise<PeriodicRunOutput> {
    return this.call<PeriodicRunOutput>('periodicRun', { ...request, status: this.status() });
  }

  /** Brings the shard news of committed writes when no other message is on its way. */
  async sendStatus(): Promise<void> {
    await this.enqueue('status', { status: this.status() });
  }

  /** The scan's next page; `arrow` (given once, with the first) turns its pages into Arrow record batches. */
  nextPage(cursorId: number, arrow?: ArrowScanOutput): Promise<Page> {
    return this.call<Page>('nextPage', arrow ? { cursorId, arrow } : { cursorId });
  }

  /** The series and column kinds a scan will answer with (scan-cursor.ts ScanSurvey). */
  surveyScan(cursorId: number): Promise<ScanSurvey> {
    return this.call<ScanSurvey>('surveyScan', { cursorId });
  }

  async closeCursor(cursorId: number): Promise<void> {
    await this.enqueue('closeCursor', { cursorId });
  }

  /** A cursor over one series of a merge or join, and the columns its blocks carry. */
  openBlockScan(request: BlockScanRequest): Promise<{ cursorId: number; columns: string[] }> {
    return this.call('openBlockScan', { ...request, status: this.status() });
  }

  /** The kinds a merge input's columns hold (block-cursor.ts survey). */
  surveyBlockScan(cursorId: number): Promise<Record<string, KindSet>> {
    return this.call<Record<string, KindSet>>('surveyBlockScan', { cursorId });
  }

  /** The cursor's next block, or null after its last (the cursor is then closed). */
  async nextBlock(cursorId: number): Promise<WireBlock | null> {
    return (await this.call<{ block: WireBlock | null }>('nextBlock', { cursorId })).block;
  }

  /**
   * Starts a merge on this shard's thread. The request is operators/merge-cursor.ts's
   * MergeCursorRequest: storage carries it without reading it.
   */
  async openMerge(request: object): Promise<number> {
    return (await this.call<{ mergeId: number }>('openMerge', request)).mergeId;
  }

  /** Hands the merge the blocks it asked for (moved, not copied) and takes its next page. */
  mergePage(mergeId: number, deliveries: BlockDelivery[]): Promise<Page & { readonly needs: number[] }> {
    const buffers = deliveries.flatMap((d) => (d.block ? wireBuffers(d.block) : []));
    return this.call('mergePage', { mergeId, deliveries }, buffers);
  }

  async closeMerge(mergeId: number): Promise<void> {
    await this.enqueue('closeMerge', { mergeId });
  }

  /** The shard's series of the request's database, filtered by its regex, in byte order. */
  listSeries(request: SeriesListRequest): Promise<string[]> {
    return this.call<string[]>('listSeries', { ...request, status: this.status() });
  }

  /** Resolves once the delete is durable in the shard's WAL (and already applied). */
  async deleteSeries(request: SeriesDeleteRequest): Promise<void> {
    await this.call('deleteSeries', { ...request, status: this.status() });
  }

  async dropDatabase(db: string): Promise<void> {
    await this.call('dropDatabase', { db, status: this.status() });
  }

  async flush(): Promise<void> {
    await this.call('flush', { status: this.status() });
  }

  /**
   * The shard's segments as of its last flush, for another node to adopt (shard-checkpoint.ts).
   * Their files stay on disk, through compactions and drops, until `release` is called.
   */
  async takeCheckpoint(): Promise<{ checkpoint: ShardCheckpoint; release: () => Promise<void> }> {
    const { checkpoint, hold } = await this.call<{ checkpoint: ShardCheckpoint; hold: number }>('takeCheckpoint', {});
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      await this.enqueue('releaseCheckpoint', { hold });
    };
    return { checkpoint, release };
  }

  /**
   * Replace everything the shard holds (segments, manifest, WAL) with the checkpoint in `dir`
   * (`manifest.json` and `segments/<file>` as exported); returns the stream position to resume
   * after. It runs alone: operations queued before it finish first, those queued after it
   * (writes included) run on the adopted state. Scans left open on the old state are gone.
   */
  adoptCheckpoint(dir: string): Promise<{ logApplied: number }> {
    return this.call<{ logApplied: number }>('adoptCheckpoint', { dir }, [], true);
  }

  /** Whether the shard's thread says it cannot write (read without asking the thread). */
  get degraded(): boolean {
    return Atomics.load(this.degradedFlag, 0) !== 0;
  }

  /** Why the shard cannot write, or undefined when it can (then without asking its thread). */
  async diskProblem(): Promise<DiskProblem | undefined> {
    if (Atomics.load(this.degradedFlag, 0) === 0) return undefined;
    const reply = (await this.run({}, { name: 'health' })) as HealthReply;
    if (reply.problem) this.scheduleDiskRetry();
    return reply.problem;
  }

  /** A refusal for a disk problem (507, 503) means the shard is degraded: start its retries. */
  private noteRefusal(err: unknown): void {
    if (err instanceof HttpError && (err.status === 507 || err.status === 503)) this.scheduleDiskRetry();
  }

  /**
   * While the shard is degraded, ask it to try to recover every second. The attempt itself
   * runs on the shard's thread, in mailbox order.
   */
  private scheduleDiskRetry(): void {
    // A shard without a thread has no disk: its 503s are not disk problems.
    if (this.diskRetry !== undefined || this.closing || this.pool === undefined) return;
    this.diskRetry = setTimeout(() => {
      (this.run({}, { name: 'recoverDisk' }) as Promise<HealthReply>).then(
        (reply) => {
          this.diskRetry = undefined;
          if (reply.problem) this.scheduleDiskRetry();
        },
        () => {
          this.diskRetry = undefined;
        },
      );
    }, RETRY_AFTER_SECONDS * 1000);
    this.diskRetry.unref();
  }

  /** Runs after every operation queued before it, writes included. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.diskRetry);
    if (this.pool === undefined) return;
    await this.call('close', { status: this.status() });
    await this.pool.destroy();
  }

  private async call<T>(name: string, task: object, transferList: ArrayBuffer[] = [], alone = false): Promise<T> {
    const reply = (await this.enqueue(name, task, transferList, alone)) as T | ErrorReply;
    if (isErrorReply(reply)) {
      const error = toHttpError(reply);
      this.noteRefusal(error);
      throw error;
    }
    return reply;
  }

  /** Queues the task behind everything queued before it; the queueing itself is synchronous. */
  private enqueue(name: string, task: object, transferList: ArrayBuffer[] = [], alone = false): Promise<unknown> {
    if (this.remote && QUERY_OPERATIONS.has(name)) return this.remote(name, task);
    return new Promise((resolve) => {
      this.queue.push({ kind: 'task', name, task, transferList, settle: resolve, ...(alone ? { alone } : {}) });
      this.dispatch();
    });
  }
}
