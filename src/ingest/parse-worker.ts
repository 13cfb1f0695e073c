/**
 * Piscina task: gunzip (when asked) and parse one write body off the event loop. The batches
 * come back as transferred ArrayBuffers, one per shard, so the main thread only routes bytes.
 * The parse threads also parse long query texts (`parseStatement`).
 */
import '../util/array-buffer-detaching.js';
import { gunzipSync } from 'node:zlib';
import { PayloadTooLargeError } from '../errors.js';
import { withFanOut, type FanOutSet } from '../lifecycle/fan-out.js';
import type { TimePrecision } from '../time-precision.js';
import { transferResult } from '../util/transfer.js';
import { parseWriteBody, type ParseResult } from './parse-body.js';
import { parsePoints, type PointFormat, type Rejections } from './point-formats.js';
import { writeRefusal, type WriteAccess } from './write-permissions.js';
import { logPartsOf, type LogPart } from '../storage/write-batch-messages.js';
import { workerData } from 'piscina';
import { takeThreadIdSlot } from '../util/thread-ids.js';
import type { ParseOutcome } from '../query/parser.js';

/** What every parse thread gets as it starts. */
export interface ParseWorkerData {
  /** Where the thread leaves its kernel thread id, for /metrics (util/thread-ids.ts). */
  readonly threadIds: Int32Array;
}

// Benches and tests also load this module on the main thread, with no workerData.
const threadIds = (workerData as ParseWorkerData | undefined)?.threadIds;
if (threadIds !== undefined) takeThreadIdSlot(threadIds);

export interface ParseTask {
  /** The request body as received; transfer it in, it is not used afterwards. */
  readonly body: ArrayBuffer;
  /** `Content-Encoding: gzip`. */
  readonly gzip: boolean;
  /** The body limit, which the inflated body must keep to as well. */
  readonly maxBodySize: number;
  readonly db: string;
  readonly precision: TimePrecision;
  readonly nowUs: number;
  readonly shardCount: number;
  /** A database user's write permissions; absent for admins, who may write every series. */
  readonly writeAccess?: WriteAccess;
  /** The database's fan-out continuous queries: their copies join the request's batches. */
  readonly fanOut: FanOutSet;
  /** Line protocol or Graphite; absent for a 0.8 JSON body (whose `precision` then applies). */
  readonly format?: PointFormat;
  /**
   * Cluster mode: give the batches as the log's messages, none larger than this once deflated
   * (storage/write-batch-messages.ts), instead of one batch per shard.
   */
  readonly logMessageBytes?: number;
}

export type ParseTaskResult =
  | ({
      readonly ok: true;
      readonly pointCount: number;
      readonly unnumberedCount: number;
      /** Index = shard: a write batch (storage/write-batch.ts), or null if untouched. Empty with `parts`. */
      readonly batches: (ArrayBuffer | null)[];
      /** With `logMessageBytes` asked for: the log messages that carry the batches. */
      readonly parts?: LogPart[];
    } & Rejections)
  | {
      readonly ok: false;
      /**
       * 500 for a body that doesn't gunzip, 413 for one that inflates past the limit, 400 for one
       * that doesn't parse, 403 for a series or value the user may not write.
       */
      readonly status: 400 | 403 | 413 | 500;
      readonly message: string;
      /** The body decoded but failed validation: reported only if the database exists (§4.7). */
      readonly invalid?: true;
    };

function runParseTask(task: ParseTask): ParseTaskResult {
  let body = new Uint8Array(task.body);
  if (task.gzip) {
    try {
      // zlib stops inflating at the limit, so a small gzip bomb costs at most one body's memory.
      body = gunzipSync(body, { maxOutputLength: task.maxBodySize });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return { ok: false, status: 413, message: new PayloadTooLargeError(task.maxBodySize).message };
      }
      // 0.8 answered a 0.8 JSON body that does not gunzip with 500; InfluxDB 1.x, which the
      // other formats follow, with 400.
      return { ok: false, status: task.format === undefined ? 500 : 400, message: error instanceof Error ? error.message : String(error) };
    }
  }
  // Series names are listed only for a permission check.
  const options = { ...task, listSeries: task.writeAccess !== undefined };
  const parsed: ParseResult & Rejections = task.format === undefined ? parseWriteBody(body, options) : parsePoints(body, task.format, options);
  if (!parsed.ok) return { ok: false, status: 400, message: parsed.message, ...(parsed.invalid ? { invalid: true } : {}) };
  const refused = task.writeAccess ? writeRefusal(task.writeAccess, parsed.seriesNames, parsed.batches) : null;
  if (refused !== null) return { ok: false, status: 403, message: refused };
  const { batches, added } = task.fanOut.specs.length === 0 ? { batches: parsed.batches, added: 0 } : withFanOut(parsed.batches, task.db, task.fanOut);
  return {
    ok: true,
    pointCount: parsed.pointCount + added,
    unnumberedCount: parsed.unnumberedCount,
    // Not the series names: the main thread has no use for them (permissions were checked
    // above), and a thousand strings a body cost a clone on each side of the message.
    ...rejectionsOf(parsed),
    ...(task.logMessageBytes === undefined
      ? // Each batch is an exactly sized array of its own, so its buffer is the whole batch.
        { batches: batches.map((batch) => (batch === null ? null : (batch.buffer as ArrayBuffer))) }
      : { batches: [], parts: logPartsOf(batches, task.logMessageBytes) }),
  };
}

function rejectionsOf(parsed: Rejections): Rejections {
  return parsed.rejectedLines ? { rejectedLines: parsed.rejectedLines, ...(parsed.firstRejection === undefined ? {} : { firstRejection: parsed.firstRejection }) } : {};
}

/** The pool resolves with the `ParseTaskResult`, its batch buffers transferred, not cloned. */
export default async function parseTask(task: ParseTask): Promise<ParseTaskResult> {
  const result = runParseTask(task);
  if (!result.ok) return result;
  const buffers = result.parts ? result.parts.map((part) => part.batch) : result.batches.filter((batch) => batch !== null);
  return transferResult(result, buffers);
}

/**
 * A long query text's statement or client error (ingest/statement-preparer.ts), as plain data.
 * The grammar is loaded by the first such text, not as the thread starts: loading ohm and
 * building the grammar cost every parse thread of every server start tens of milliseconds of
 * CPU, and most servers are never sent a text long enough to come here.
 */
export async function parseStatement(text: string): Promise<ParseOutcome> {
  const { parseOutcome } = await import('../query/parser.js');
  return parseOutcome(text);
}

/** A task that does nothing: its answer says the thread has loaded this module (IngestService.ready). */
export function warmUp(): true {
  return true;
}
