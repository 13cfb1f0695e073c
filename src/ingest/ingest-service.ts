import { Piscina } from 'piscina';
import { BadRequestError, HttpError } from '../errors.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { Storage } from '../storage/storage.js';
import type { TimePrecision } from '../time-precision.js';
import { nowMicros } from '../time-precision.js';
import type { ParseTask, ParseTaskResult } from './parse-worker.js';

/**
 * A write request's path off the event loop: the body moves to a parse thread, which returns
 * one columnar batch per shard; each batch moves on to its shard actor, and the request is
 * acknowledged when every shard has logged its part.
 */
export class IngestService {
  private readonly parsers: Piscina;

  constructor(
    private readonly meta: MetaStore,
    private readonly storage: Storage,
    threads: number,
  ) {
    this.parsers = new Piscina({
      filename: new URL('./parse-worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  async write(db: string, body: Uint8Array, options: { gzip: boolean; precision: TimePrecision }): Promise<void> {
    const buffer = ownBuffer(body);
    const task: ParseTask = {
      body: buffer,
      gzip: options.gzip,
      db,
      precision: options.precision,
      nowUs: nowMicros(),
      shardCount: this.storage.shards.length,
    };
    const result = (await this.parsers.run(task, { transferList: [buffer] })) as ParseTaskResult;
    if (!result.ok) throw new HttpError(result.status, result.message);
    if (!this.meta.databaseExists(db)) throw new BadRequestError(`Database ${db} doesn't exist`);
    if (result.pointCount === 0) return;
    const base = result.unnumberedCount === 0 ? 0 : await this.storage.reserveSequenceNumbers(result.unnumberedCount);
    await this.storage.write(result.batches, base);
  }

  close(): Promise<void> {
    return this.parsers.destroy();
  }
}

/** The body's bytes as a whole ArrayBuffer of their own, so it can be transferred. */
function ownBuffer(body: Uint8Array): ArrayBuffer {
  if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) return body.buffer as ArrayBuffer;
  return body.slice().buffer as ArrayBuffer;
}
