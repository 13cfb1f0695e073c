import { Piscina } from 'piscina';
import { isErrorReply, toHttpError, type ErrorReply } from '../errors.js';
import type { Page, ScanRequest } from './scan.js';
import type { ShardWorkerData } from './shard-worker.js';

interface PendingWrite {
  readonly batch: ArrayBuffer;
  readonly base: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * The main thread's side of one shard actor: a single-thread piscina pool whose queue is the
 * actor's mailbox. Writes that arrive while one is being logged are sent together as the next
 * message, so one WAL write and fsync covers them all (group commit).
 */
export class ShardHandle {
  private readonly pool: Piscina;
  private pending: PendingWrite[] = [];
  private writing = false;

  constructor(readonly index: number, data: ShardWorkerData) {
    this.pool = new Piscina({
      filename: new URL('./shard-worker.js', import.meta.url).href,
      workerData: data,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  async init(liveDatabases: string[]): Promise<number> {
    const reply = (await this.pool.run({ liveDatabases }, { name: 'init' })) as { highestSequenceNumber: number };
    return reply.highestSequenceNumber;
  }

  /** Resolves once the batch is in the shard's WAL and memtable. */
  write(batch: ArrayBuffer, base: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, base, resolve, reject });
      if (!this.writing) void this.drainWrites();
    });
  }

  private async drainWrites(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      const batches = group.map((w) => w.batch);
      try {
        const reply = await this.pool.run({ batches, bases: group.map((w) => w.base) }, { name: 'write', transferList: batches });
        if (isErrorReply(reply)) throw toHttpError(reply);
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err as Error);
      }
    }
    this.writing = false;
  }

  openScan(request: ScanRequest): Promise<number> {
    return this.call<{ cursorId: number }>('openScan', request).then((r) => r.cursorId);
  }

  nextPage(cursorId: number): Promise<Page> {
    return this.call<Page>('nextPage', { cursorId });
  }

  closeCursor(cursorId: number): Promise<void> {
    return this.pool.run({ cursorId }, { name: 'closeCursor' }) as Promise<void>;
  }

  listSeries(db: string): Promise<string[]> {
    return this.pool.run({ db }, { name: 'listSeries' }) as Promise<string[]>;
  }

  async dropDatabase(db: string): Promise<void> {
    await this.call('dropDatabase', { db });
  }

  async flush(): Promise<void> {
    await this.call('flush', {});
  }

  async close(): Promise<void> {
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    await this.call('close', {});
    await this.pool.destroy();
  }

  private async call<T>(name: string, task: object): Promise<T> {
    const reply = (await this.pool.run(task, { name })) as T | ErrorReply;
    if (isErrorReply(reply)) throw toHttpError(reply);
    return reply;
  }
}
