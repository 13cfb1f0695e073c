import { Piscina } from 'piscina';
import { BadRequestError, HttpError, ServiceUnavailableError } from '../errors.js';
import type { FanOutSet } from '../lifecycle/fan-out.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { Storage } from '../shards/storage.js';
import type { TimePrecision } from '../time-precision.js';
import { nowMicros } from '../time-precision.js';
import { ByteBudget } from '../util/byte-budget.js';
import { WORKER_RESOURCE_LIMITS } from '../util/worker-heap.js';
import type { ParseTask, ParseTaskResult, ParseWorkerData } from './parse-worker.js';
import type { ParseOutcome } from '../query/parser.js';
import type { PointFormat, Rejections } from './point-formats.js';
import type { WriteAccess } from './write-permissions.js';
import type { WriteLog } from './write-log.js';
import { WriteAdmission } from './write-admission.js';
import { ownBuffer } from '../util/own-buffer.js';
import { threadIdSlots } from '../util/thread-ids.js';

/** What a write stored: its points, fan-out copies included, and the lines a stream input skipped. */
export interface WriteOutcome extends Required<Pick<Rejections, 'rejectedLines'>> {
  readonly pointCount: number;
  readonly firstRejection?: string;
}

export interface IngestLimits {
  readonly parseThreads: number;
  /** Largest body, also after gunzip. */
  readonly maxBodySize: number;
  readonly parseQueueBytes: number;
}

/**
 * A write request's path off the event loop: the body moves to a parse thread, which returns
 * one columnar batch per shard; each batch moves on to its shard actor, and the request is
 * acknowledged when every shard has logged its part. Both hops are bounded — body bytes
 * waiting for a parse thread, batch bytes waiting for a shard — and a write that finds
 * either full is refused with 503 instead of queueing.
 */
export class IngestService {
  private readonly parsers: Piscina;
  private readonly parseQueue: ByteBudget;
  /**
   * Settles once every parse thread has loaded its modules. Node 20 can abort the whole
   * process (a V8 fatal error) when a worker is terminated while still loading modules, so a
   * server stopped right after it started must not destroy the pool before this.
   */
  readonly ready: Promise<void>;
  /** The parse threads' kernel thread ids, as they start (util/thread-ids.ts). */
  readonly parseThreadIds: Int32Array;

  constructor(
    private readonly meta: MetaStore,
    private readonly storage: Storage,
    private readonly limits: IngestLimits,
    /** The database's fan-out continuous queries, applied in the parse threads. */
    private readonly fanOuts: (db: string) => FanOutSet,
    /** Cluster mode: batches go to this log instead of the local shards. */
    private readonly writeLog?: WriteLog,
  ) {
    this.parseQueue = new ByteBudget(limits.parseQueueBytes);
    this.parseThreadIds = threadIdSlots(limits.parseThreads);
    this.parsers = new Piscina({
      filename: new URL('./parse-worker.js', import.meta.url).href,
      workerData: { threadIds: this.parseThreadIds } satisfies ParseWorkerData,
      minThreads: limits.parseThreads,
      maxThreads: limits.parseThreads,
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: WORKER_RESOURCE_LIMITS,
    });
    // While the pool starts, piscina hands each new task to a thread without one, so these
    // reach every thread, and each answers only once its thread has loaded the module.
    this.ready = Promise.all(Array.from({ length: limits.parseThreads }, () => this.parsers.run(null, { name: 'warmUp' }))).then(() => undefined);
  }

  /** Called when a write's headers arrive, before its body is read. */
  admit(db: string): WriteAdmission {
    if (this.parseQueue.full || this.storage.saturated) throw new ServiceUnavailableError('too many writes waiting; retry later');
    return new WriteAdmission(db, this.storage.dropCount(db), this.parseQueue);
  }

  /**
   * Writes accepted before a drop of their database are applied before it (so dropped with
   * it) or refused; they never land in a database re-created after the drop.
   */
  async write(
    admission: WriteAdmission,
    body: Uint8Array,
    options: { gzip: boolean; precision?: TimePrecision; access?: WriteAccess; format?: PointFormat },
  ): Promise<WriteOutcome> {
    const { db } = admission;
    const buffer = ownBuffer(body);
    const task: ParseTask = {
      body: buffer,
      gzip: options.gzip,
      maxBodySize: this.limits.maxBodySize,
      db,
      // A 0.8 JSON body's `time` unit; 0.8's default when the request names none. Other formats carry their own.
      precision: options.precision ?? 'ms',
      nowUs: nowMicros(),
      shardCount: this.storage.shards.length,
      ...(options.access ? { writeAccess: options.access } : {}),
      fanOut: this.fanOuts(db),
      ...(options.format ? { format: options.format } : {}),
      ...(this.writeLog ? { logMessageBytes: this.writeLog.messageBytes } : {}),
    };
    let result: ParseTaskResult;
    try {
      result = (await this.parsers.run(task, { transferList: [buffer] })) as ParseTaskResult;
    } finally {
      admission.release();
    }
    if (!result.ok) {
      // 0.8's order: a missing database (step 6) is reported before a permission (step 7) or
      // an invalid name or time (step 8), after a body that does not decode (steps 4–5).
      if (result.status === 403 || result.invalid) this.assertDatabaseUnchanged(db, admission.dropCount);
      throw new HttpError(result.status, result.message);
    }
    this.assertDatabaseUnchanged(db, admission.dropCount);
    const outcome: WriteOutcome = { pointCount: result.pointCount, rejectedLines: result.rejectedLines ?? 0, ...(result.firstRejection === undefined ? {} : { firstRejection: result.firstRejection }) };
    if (result.pointCount === 0) return outcome;
    if (this.writeLog) {
      const base = result.unnumberedCount === 0 ? 0 : await this.writeLog.reserveOrdinals(result.unnumberedCount);
      await this.writeLog.append(db, result.parts!, base);
      return outcome;
    }
    const base = result.unnumberedCount === 0 ? 0 : await this.storage.reserveSequenceNumbers(result.unnumberedCount);
    // Checked again with nothing awaited before the write is queued: a lease write for the
    // sequence numbers can take long enough for a drop and a re-create to run meanwhile.
    this.assertDatabaseUnchanged(db, admission.dropCount);
    await this.storage.write(result.batches, base);
    return outcome;
  }

  /**
   * Parses a long query text on a parse thread (statement-preparer.ts). It waits in the queue
   * write bodies wait in, counted by its size, and is refused with 503 when that queue is full.
   */
  async parseStatement(text: string): Promise<ParseOutcome> {
    const bytes = 2 * text.length;
    if (!this.parseQueue.fits(bytes)) throw new ServiceUnavailableError('too many requests waiting to be parsed; retry later');
    this.parseQueue.take(bytes);
    try {
      return (await this.parsers.run(text, { name: 'parseStatement' })) as ParseOutcome;
    } finally {
      this.parseQueue.give(bytes);
    }
  }

  /** Bytes of write bodies received or waiting for a parse thread, and tasks waiting for one. */
  get parseBacklog(): { readonly bytes: number; readonly tasks: number } {
    return { bytes: this.parseQueue.used, tasks: this.parsers.queueSize };
  }

  /** The database exists and was not dropped since the write arrived (it may be a new one of the same name). */
  private assertDatabaseUnchanged(db: string, dropCount: number): void {
    if (!this.meta.databaseExists(db) || this.storage.dropCount(db) !== dropCount) {
      throw new BadRequestError(`Database ${db} doesn't exist`);
    }
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    return this.parsers.destroy();
  }
}
