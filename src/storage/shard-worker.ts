/**
 * Entry point of a shard actor's thread. piscina runs each exported function as a message;
 * the pool has exactly one thread, so its task queue is the actor's mailbox.
 */
import { workerData } from 'piscina';
import { createLogger } from '../log.js';
import type { RegexLiteral } from '../query/ast.js';
import { compileSeriesRegex } from '../query/regex.js';
import { byteOrder } from '../util/byte-order.js';
import { transferResult } from '../util/transfer.js';
import { HttpError, type ErrorReply } from '../errors.js';
import type { DiskProblem } from './disk-health.js';
import type { Page, ScanRequest } from './scan.js';
import { Shard, ShardError, type ShardOptions } from './shard.js';

export interface ShardWorkerData extends ShardOptions {
  readonly shardIndex: number;
  readonly logLevel: string;
}

/** A regex crosses threads as its source and is compiled here, where the names are. */
export interface SeriesListRequest {
  readonly db: string;
  readonly regex: RegexLiteral | undefined;
}

const settings = workerData as ShardWorkerData;
const logger = createLogger(settings.logLevel).child({ shard: settings.shardIndex });
let shard: Shard | undefined;

function open(): Shard {
  if (!shard) throw new ShardError(500, 'shard not initialised');
  return shard;
}

function guard<T>(work: () => T): T | ErrorReply {
  try {
    return work();
  } catch (err) {
    return errorReply(err);
  }
}

function errorReply(err: unknown): ErrorReply {
  if (err instanceof ShardError) return { error: { status: err.status, message: err.message } };
  if (err instanceof HttpError) return { error: { status: err.status, message: err.message, headers: err.headers } };
  logger.error({ err }, 'shard task failed');
  return { error: { status: 500, message: (err as Error).message } };
}

export function init(task: { liveDatabases: string[] }): { highestSequenceNumber: number } {
  shard = new Shard(settings, task.liveDatabases, (level, message) => logger[level](message));
  return { highestSequenceNumber: shard.highestSequenceNumber };
}

export async function write(task: { batches: ArrayBuffer[]; bases: number[] }): Promise<{ ok: true } | ErrorReply> {
  const durable = guard(() => open().write(task.batches.map((b) => new Uint8Array(b)), task.bases));
  if (!(durable instanceof Promise)) return durable;
  try {
    await durable;
    return { ok: true };
  } catch (err) {
    return errorReply(err);
  }
}

export interface HealthReply {
  readonly problem: DiskProblem | undefined;
}

/** Why this shard cannot write, if it cannot (asked by /ping). */
export function health(): HealthReply {
  return { problem: shard?.diskProblem };
}

/** One recovery attempt of a degraded shard; the reply says whether it is still degraded. */
export function recoverDisk(): HealthReply {
  shard?.retryDisk();
  return health();
}

export function openScan(request: ScanRequest): { cursorId: number } | ErrorReply {
  return guard(() => ({ cursorId: open().openScan(request) }));
}

export function nextPage(task: { cursorId: number }): Page | ErrorReply {
  const page = guard(() => open().nextPage(task.cursorId));
  return 'body' in page ? transferResult(page, [page.body.buffer as ArrayBuffer]) : page;
}

export function closeCursor(task: { cursorId: number }): void {
  shard?.closeCursor(task.cursorId);
}

/** The database's series in byte order, only those matching `regex` when one is given. */
export function listSeries(task: SeriesListRequest): string[] | ErrorReply {
  return guard(() => {
    const names = open().listSeries(task.db);
    const regex = task.regex && compileSeriesRegex(task.regex.pattern, task.regex.caseInsensitive);
    return (regex ? names.filter((name) => regex.test(name)) : names).sort(byteOrder);
  });
}

export function dropDatabase(task: { db: string }): { ok: true } | ErrorReply {
  return guard(() => {
    open().dropDatabase(task.db);
    return { ok: true as const };
  });
}

export function flush(): { ok: true } | ErrorReply {
  return guard(() => {
    open().flush();
    return { ok: true as const };
  });
}

export function close(): { ok: true } | ErrorReply {
  return guard(() => {
    shard?.close();
    shard = undefined;
    return { ok: true as const };
  });
}
