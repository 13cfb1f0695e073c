/**
 * Entry point of a shard actor's thread. piscina runs each exported function as a message;
 * the pool has exactly one thread, so its task queue is the actor's mailbox. Every message
 * after start-up carries the main thread's transaction status, taken before the work.
 */
import '../util/array-buffer-detaching.js';
import { workerData } from 'piscina';
import { createLogger, levelEnabled, type LevelName, type Logger } from '../log.js';
import { periodicBatches, type PeriodicRequest, type PeriodicRunOutput } from '../lifecycle/periodic-output.js';
import { namedLogParts } from '../storage/write-batch-messages.js';
import { encodedAnswer, Turns, type AggregateRequest, type EncodedAnswer, type EncodedSeries } from '../operators/aggregate-scan.js';
import { finishMerged, finishMergedInArrow, mergedPartial, type MergedAggregateRequest } from '../operators/merged-aggregate.js';
import type { SeriesPartial } from '../engine/series-partial.js';
import type { KindSet } from '../storage/kind-set.js';
import { JoinedAggregateCursor, type JoinedAggregateRequest } from '../operators/joined-aggregate.js';
import { MergeCursor, type MergeCursorRequest, type MergePage } from '../operators/merge-cursor.js';
import { PermissionList, type Permission } from '../meta/permissions.js';
import { compileSeriesRegex, type SeriesPattern } from '../regex.js';
import { sortByteOrder } from '../util/byte-order.js';
import { transferResult } from '../util/transfer.js';
import { HttpError, isErrorReply, type ErrorReply } from '../errors.js';
import { aggregateBatch as batchOf, surveyAggregate as surveyOf, type ArrowAggregateRequest, type OneSeriesBatch } from '../operators/aggregate-arrow.js';
import type { BlockScanRequest } from '../operators/block-cursor.js';
import { packBlock, unpackBlock, wireBuffers, type BlockDelivery, type WireBlock } from '../storage/block-wire.js';
import { installShardCounters } from '../storage/shard-counters.js';
import { takeThreadIdSlot } from '../util/thread-ids.js';
import { decodeLogBatch } from '../storage/log-batch-encoding.js';
import type { DiskProblem } from '../storage/disk-health.js';
import type { ArrowScanOutput, Page, ScanRequest, ScanSurvey } from '../operators/scan-cursor.js';
import { Shard, ShardError, type RecoveryReport, type ShardOptions, type WriteTxn } from '../storage/shard.js';
import type { ShardCheckpoint } from '../storage/shard-checkpoint.js';
import { stageCheckpoint } from '../storage/checkpoint-adoption.js';
import { ExportWarmUpTrigger } from '../operators/export-warm-up-trigger.js';
import { ShardCursors, snapshotRequestOf, type SnapshotRequestOnWire } from '../operators/shard-cursors.js';
import type { SeriesSnapshot } from '../storage/series-snapshot.js';
import type { ShardTxnReport, TxnStatus } from '../storage/transactions.js';

export interface ShardWorkerData extends ShardOptions {
  readonly shardIndex: number;
  readonly logLevel: string;
  /** Timing counters for /metrics, shared with the main thread (storage/shard-counters.ts). */
  readonly timers: Float64Array;
  /** Where this thread leaves its kernel thread id, for /metrics (util/thread-ids.ts). */
  readonly threadIds: Int32Array;
}

/** A delete as the main thread sends it: named series and/or a regex over the shard's series. */
export interface SeriesDeleteRequest {
  readonly db: string;
  readonly names: readonly string[];
  readonly regex: SeriesPattern | undefined;
  readonly startUs: number;
  readonly endUs: number;
  readonly drop: boolean;
}

export interface SeriesListRequest {
  readonly db: string;
  readonly regex: SeriesPattern | undefined;
  /** A restricted reader's read permissions: only the series one of them reaches are listed. */
  readonly readable?: readonly Permission[];
}

const settings = workerData as ShardWorkerData;
installShardCounters(settings.timers);
takeThreadIdSlot(settings.threadIds);
/** The thread's logger, made when it first has something to log (log.ts). */
let threadLogger: Logger | undefined;
function log(level: LevelName, data: object | string, message?: string): void {
  if (!levelEnabled(settings.logLevel, level)) return;
  threadLogger ??= createLogger(settings.logLevel).child({ shard: settings.shardIndex });
  if (typeof data === 'string') threadLogger[level](data);
  else threadLogger[level](data, message);
}
let shard: Shard | undefined;
/** The cursors open on `shard`; replaced with it. */
let cursors: ShardCursors | undefined;
const warmUp = new ExportWarmUpTrigger(() => shard?.rowsHeld() ?? 0, {
  onFinished: (outcome) =>
    'error' in outcome ? log('warn', { err: outcome.error }, 'export warm-up failed') : log('debug', outcome, 'export path warmed up'),
});

function open(status?: TxnStatus): Shard {
  if (!shard) throw new ShardError(500, 'shard not initialised');
  if (status) shard.advance(status);
  return shard;
}

/** The shard's cursors, after `open` (the same transaction status). */
function openCursors(status?: TxnStatus): ShardCursors {
  open(status);
  return cursors!;
}

/** Starts a shard on the data directory, and its cursor table. */
function start(): Shard {
  shard = new Shard(settings, (level, message) => log(level, message));
  cursors = new ShardCursors(shard);
  return shard;
}

function errorReply(err: unknown): ErrorReply {
  if (err instanceof ShardError) return { error: { status: err.status, message: err.message } };
  if (err instanceof HttpError) return { error: { status: err.status, message: err.message, headers: err.headers } };
  log('error', { err }, 'shard task failed');
  return { error: { status: 500, message: (err as Error).message } };
}

function guard<T>(work: () => T): T | ErrorReply {
  try {
    return work();
  } catch (err) {
    return errorReply(err);
  }
}

async function guardAsync(work: () => Promise<void>): Promise<{ ok: true } | ErrorReply> {
  return guardPromise(async () => {
    await work();
    return { ok: true };
  });
}

async function guardPromise<T>(work: () => Promise<T>): Promise<T | ErrorReply> {
  try {
    return await work();
  } catch (err) {
    return errorReply(err);
  }
}

/** Start-up, step 1: open the files and report the WAL's transactions (nothing applied yet). */
export function init(): ShardTxnReport {
  return start().transactionReport();
}

/** Start-up, step 2: replay the WAL without the transactions found incomplete. */
export async function recover(task: { aborted: number[]; liveDatabases: string[] }): Promise<RecoveryReport> {
  const report = await open().recover(new Set(task.aborted), task.liveDatabases);
  warmUp.poke();
  return report;
}

export async function write(task: { batches: ArrayBuffer[]; txns: WriteTxn[]; status: TxnStatus }): Promise<{ ok: true } | ErrorReply> {
  // A batch that came encoded is logged as it came; the shard applies it decoded.
  const encoded = task.batches.map((b, i) => (task.txns[i]!.decoded === undefined ? undefined : new Uint8Array(b)));
  const durable = guard(() => open(task.status).write(task.batches.map((b, i) => writtenBatch(b, task.txns[i]!)), task.txns, encoded));
  warmUp.poke();
  if (!(durable instanceof Promise)) return durable;
  try {
    await durable;
    return { ok: true };
  } catch (err) {
    return errorReply(err);
  }
}

/** A write's batch as the shard takes it: decoded here, off the event loop, when it came encoded from the cluster's log. */
function writtenBatch(buffer: ArrayBuffer, txn: WriteTxn): Uint8Array {
  const bytes = new Uint8Array(buffer);
  return txn.decoded === undefined ? bytes : decodeLogBatch(bytes, txn.decoded.encoding, txn.decoded.rawBytes);
}

/** Nothing but news: makes committed writes visible when no other message would bring it. */
export function status(task: { status: TxnStatus }): void {
  guard(() => open(task.status));
}

export interface HealthReply {
  readonly problem: DiskProblem | undefined;
}

/** Why this shard cannot write, if it cannot (asked by /ping). */
export function health(): HealthReply {
  return { problem: shard?.diskProblem };
}

/** One recovery attempt of a degraded shard; the reply says whether it is still degraded. */
export async function recoverDisk(): Promise<HealthReply> {
  await shard?.retryDisk();
  return health();
}

export function openScan(request: ScanRequest & { status: TxnStatus }): { cursorId: number } | ErrorReply {
  return guard(() => ({ cursorId: openCursors(request.status).openScan(request) }));
}

/** A scan that opens with its first page; with `seriesPattern`, its series are the shard's that match. */
export type ScanWithPageRequest = ScanRequest & { status: TxnStatus; seriesPattern?: SeriesPattern };

/**
 * Opens a scan and answers its first page in the same message: a query of one page (most
 * are) then costs one round trip to this thread instead of two. The page's own failure is
 * answered in its place, so the coordinator meets it where it would have asked for the page.
 * A regex source's series are found here too, sparing the round trip that listed them first;
 * `matched` says how many there were.
 */
export function openScanWithPage(request: ScanWithPageRequest): { cursorId: number; page: Page | ErrorReply; matched: number } | ErrorReply {
  const opened = guard(() => {
    const opened = openCursors(request.status);
    const scan = request.seriesPattern ? { ...request, series: matchingSeries(open(), request.db, request.seriesPattern) } : request;
    return { matched: scan.series.length, ...opened.openScanWithPage(scan, (cursorId) => guard(() => opened.nextPage(cursorId))) };
  });
  if (isErrorReply(opened)) return opened;
  const { cursorId, page, matched } = opened;
  return isErrorReply(page) ? { cursorId, page, matched } : transferResult({ cursorId, page, matched }, pageBuffers(page));
}

export function nextPage(task: { cursorId: number; arrow?: ArrowScanOutput }): Page | ErrorReply {
  const page = guard(() => openCursors().nextPage(task.cursorId, task.arrow));
  return isErrorReply(page) ? page : transferResult(page, pageBuffers(page));
}

/** A page in a shared slot is not moved: the main thread reads it in place. */
function pageBuffers(page: Page): ArrayBuffer[] {
  return page.body.buffer instanceof SharedArrayBuffer ? [] : [page.body.buffer as ArrayBuffer];
}

export function surveyScan(task: { cursorId: number }): ScanSurvey | ErrorReply {
  return guard(() => openCursors().surveyScan(task.cursorId));
}

export function surveyBlockScan(task: { cursorId: number }): Record<string, KindSet> | ErrorReply {
  return guard(() => openCursors().surveyBlockScan(task.cursorId));
}

/**
 * An aggregate select's rows for this shard's series. Other messages (writes above all) run
 * between its turns of AGGREGATE_TURN_MS (Turns in aggregate-scan.ts); the series' files are
 * held and each series is read as it stood when the scan reached it.
 */
export async function aggregate(request: AggregateRequest & { status: TxnStatus }): Promise<EncodedAnswer | ErrorReply> {
  const answer = await guardPromise(() => inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => encodedAnswer(request, snapshot, turns), request.checkFirst));
  return isErrorReply(answer) ? answer : transferResult(answer, [answer.body.buffer as ArrayBuffer, answer.runs.buffer as ArrayBuffer]);
}

/** How long an aggregate holds the shard's thread before the messages that came meanwhile run. */
const AGGREGATE_TURN_MS = 20;

/**
 * Snapshots of `request`'s series for `work`, done in turns (Turns in aggregate-scan.ts): the
 * series' files are held until it ends. The series of `checkFirst`, when given, are checked
 * before any is read: a missing one fails the whole request.
 */
async function inTurns<T>(
  status: TxnStatus,
  request: SnapshotRequestOnWire,
  work: (snapshot: (series: string) => SeriesSnapshot, turns: Turns) => Promise<T>,
  checkFirst?: readonly string[],
): Promise<T> {
  const shard = open(status);
  const snapshots = snapshotRequestOf(request);
  if (checkFirst) shard.checkSeries(snapshots.db, checkFirst, snapshots.requiredColumns, snapshots.restrictions);
  return shard.withSnapshotsAsync(snapshots, (snapshot) => work(snapshot, new Turns(AGGREGATE_TURN_MS)));
}

/** The buffers an answer's runs lie in, each once: runs share one buffer, and a buffer listed twice cannot be moved. */
function runBuffers(answer: EncodedSeries[]): ArrayBuffer[] {
  return [...new Set(answer.flatMap((series) => series.runs.map((run) => run.bytes.buffer as ArrayBuffer)))];
}

/** The kinds of an Arrow aggregate's output columns over this shard's series (aggregate-arrow.ts). */
export function surveyAggregate(request: ArrowAggregateRequest & { status: TxnStatus }): Promise<Record<string, KindSet> | ErrorReply> {
  return guardPromise(() => inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => surveyOf(request, snapshot, turns), request.checkFirst));
}

/** An Arrow aggregate's rows for this shard's series as one record batch message. */
export async function aggregateBatch(request: ArrowAggregateRequest & { output: ArrowScanOutput; status: TxnStatus }): Promise<{ bytes: Uint8Array } | ErrorReply> {
  const answer = await guardPromise(async () => ({ bytes: await inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => batchOf(request, request.output, snapshot, turns)) }));
  return isErrorReply(answer) ? answer : transferResult(answer, [answer.bytes.buffer as ArrayBuffer]);
}

/** A merge's partial over the merged series this shard owns. */
export function aggregateMergedPartial(request: MergedAggregateRequest & { status: TxnStatus }): Promise<SeriesPartial | ErrorReply> {
  return guardPromise(() => inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => mergedPartial(request, snapshot, turns)));
}

/** A merge's rows, from this shard's members and the partials of the other shards. */
export async function aggregateMerged(request: MergedAggregateRequest & { partials: SeriesPartial[]; status: TxnStatus }): Promise<EncodedSeries[] | ErrorReply> {
  const answer = await guardPromise(() => inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => finishMerged(request, request.partials, snapshot, turns)));
  return Array.isArray(answer) ? transferResult(answer, runBuffers(answer)) : answer;
}

/** A merge's aggregate rows for `format=arrow`, as one record batch typed by them. */
export async function aggregateMergedInArrow(request: MergedAggregateRequest & { columns: string[]; partials: SeriesPartial[]; status: TxnStatus }): Promise<OneSeriesBatch | ErrorReply> {
  const answer = await guardPromise(() => inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => finishMergedInArrow(request, request.partials, snapshot, turns)));
  return isErrorReply(answer) ? answer : transferResult(answer, [answer.bytes.buffer as ArrayBuffer]);
}

/**
 * One run of a periodic continuous query over this shard's series: write batches per target
 * shard, or in cluster mode the log's messages of them (`request.log`).
 */
export async function periodicRun(request: PeriodicRequest & { status: TxnStatus }): Promise<PeriodicRunOutput | ErrorReply> {
  const answer = await guardPromise(async (): Promise<PeriodicRunOutput> => {
    const { batches, numbered } = await inTurns(request.status, { ...request, order: 'asc' }, (snapshot, turns) => periodicBatches(request, snapshot, turns));
    const { log } = request;
    if (log !== undefined) {
      return { parts: batches.flatMap((batch, partition) => (batch === null ? [] : namedLogParts(partition, batch, log.messageBytes, `${log.name}.${partition}`))), numbered };
    }
    return { batches: batches.map((batch) => (batch === null ? null : (batch.buffer as ArrayBuffer))), numbered };
  });
  if (isErrorReply(answer)) return answer;
  return transferResult(answer, 'parts' in answer ? answer.parts.map((part) => part.batch) : answer.batches.filter((b) => b !== null));
}

export function closeCursor(task: { cursorId: number }): void {
  cursors?.close(task.cursorId);
}

export function openBlockScan(request: BlockScanRequest & { status: TxnStatus }): { cursorId: number; columns: readonly string[] } | ErrorReply {
  return guard(() => openCursors(request.status).openBlockScan(request));
}

export function nextBlock(task: { cursorId: number }): { block: WireBlock | null } | ErrorReply {
  const reply = guard(() => {
    const block = openCursors().nextBlock(task.cursorId);
    return { block: block && packBlock(block) };
  });
  return 'block' in reply && reply.block ? transferResult(reply, wireBuffers(reply.block)) : reply;
}

/*
 * A merge or join runs on the thread of the shard owning its first series: the coordinator
 * brings it the blocks of every series as it asks for them. It reads no storage, so it lives
 * beside the shard's cursors rather than in them.
 */
const merges = new Map<number, MergeCursor | JoinedAggregateCursor>();
let nextMergeId = 1;

export function openMerge(request: MergeCursorRequest | JoinedAggregateRequest): { mergeId: number } | ErrorReply {
  return guard(() => {
    const mergeId = nextMergeId++;
    merges.set(mergeId, request.kind === 'joined-aggregate' ? new JoinedAggregateCursor(request) : new MergeCursor(request));
    return { mergeId };
  });
}

export function mergePage(task: { mergeId: number; deliveries: BlockDelivery[] }): MergePage | ErrorReply {
  const page = guard(() => {
    const cursor = merges.get(task.mergeId);
    if (!cursor) throw new ShardError(500, `no open merge ${task.mergeId}`);
    const result = cursor.page(task.deliveries.map(({ input, block }) => ({ input, block: block && unpackBlock(block) })));
    if (result.done) merges.delete(task.mergeId);
    return result;
  });
  return isErrorReply(page) ? page : transferResult(page, pageBuffers(page));
}

export function closeMerge(task: { mergeId: number }): void {
  merges.delete(task.mergeId);
}

/** The database's series in byte order, only those matching `regex` when one is given. */
export function listSeries(task: SeriesListRequest & { status: TxnStatus }): string[] | ErrorReply {
  return guard(() => matchingSeries(open(task.status), task.db, task.regex, task.readable));
}

/**
 * The shard's series of `db`, those matching `pattern` if given, and those `readable` reaches
 * if given, in byte order. A restricted reader's permissions are tested here, on the series'
 * own thread: on the event loop they took 35–150 ms for a regex over 40,000 series.
 */
function matchingSeries(shard: Shard, db: string, pattern: SeriesPattern | undefined, readable?: readonly Permission[]): string[] {
  const names = shard.listSeries(db);
  const regex = pattern && compileSeriesRegex(pattern.pattern, pattern.caseInsensitive);
  const matching = regex ? names.filter((name) => regex.test(name)) : names;
  const permissions = readable && new PermissionList(readable);
  return sortByteOrder(permissions ? matching.filter((name) => permissions.permissionFor(name) !== undefined) : matching);
}

/** Deletes rows of the named series and of those matching the regex; see Shard.deleteSeries. */
export function deleteSeries(task: SeriesDeleteRequest & { status: TxnStatus }): Promise<{ ok: true } | ErrorReply> {
  return guardAsync(async () => {
    const opened = open(task.status);
    const regex = task.regex && compileSeriesRegex(task.regex.pattern, task.regex.caseInsensitive);
    const matching = regex ? opened.deletableSeries(task.db).filter((name) => regex.test(name)) : [];
    const { db, startUs, endUs, drop } = task;
    await opened.deleteSeries({ db, series: [...new Set([...task.names, ...matching])], startUs, endUs, drop });
  });
}

export function dropDatabase(task: { db: string; status: TxnStatus }): Promise<{ ok: true } | ErrorReply> {
  return guardAsync(() => open(task.status).dropDatabase(task.db));
}

export function flush(task: { status: TxnStatus }): Promise<{ ok: true } | ErrorReply> {
  return guardAsync(() => open(task.status).flush());
}

/** The shard's segments for another node to adopt, held on disk until `releaseCheckpoint`. */
export function takeCheckpoint(): { checkpoint: ShardCheckpoint; hold: number } | ErrorReply {
  return guard(() => open().takeCheckpoint());
}

export function releaseCheckpoint(task: { hold: number }): void {
  shard?.releaseCheckpoint(task.hold);
}

/**
 * Replace the shard's whole state with the checkpoint in `task.dir` (checkpoint-adoption.ts).
 * The handle sends nothing else meanwhile, so no query or write sees a mix. A checkpoint that
 * cannot be used leaves the shard as it was; once the old state is closed, the shard reopens
 * whatever the disk then holds.
 */
export async function adoptCheckpoint(task: { dir: string }): Promise<{ logApplied: number } | ErrorReply> {
  try {
    const current = open();
    if (current.holdsCheckpoint) throw new ShardError(409, 'a checkpoint of this shard is still held: release it before adopting another');
    stageCheckpoint(task.dir, settings.dir);
    shard = undefined;
    cursors = undefined;
    try {
      await current.abandon();
    } finally {
      start();
    }
    const adopted = open();
    const report = await adopted.recover(new Set(), adopted.databases());
    return { logApplied: report.logApplied };
  } catch (err) {
    return errorReply(err);
  }
}

export function close(task: { status: TxnStatus }): Promise<{ ok: true } | ErrorReply> {
  return guardAsync(async () => {
    if (!shard) return;
    shard.advance(task.status);
    await shard.close();
    shard = undefined;
    cursors = undefined;
  });
}
