import { encodeLogBatch, type LogBatchEncoding } from './log-batch-encoding.js';
import { readWriteBatch } from './write-batch.js';
import { splitWriteBatch } from './write-batch-split.js';
import { ownBuffer } from '../util/own-buffer.js';
import { batchDigest } from './write-batch-digest.js';

/** One message of a write in cluster mode's log: a partition's batch, or a piece of one. */
export interface LogPart {
  readonly partition: number;
  /** A write batch, encoded as `encoding` says (log-batch-encoding.ts). */
  readonly batch: ArrayBuffer;
  /** Names the message: the log keeps one message per id within its duplicate window. */
  readonly id: string;
  /** The batch's size decoded. */
  readonly rawBytes: number;
  readonly encoding: LogBatchEncoding;
}

/**
 * How much smaller than a message the pieces of a split are aimed at: they are cut by points,
 * and points compress unevenly.
 */
const SPLIT_MARGIN = 1.25;

/**
 * Each partition's batch encoded (log-batch-encoding.ts), as one message, named by the batch's
 * digest; a batch too large for one message once encoded is cut into pieces that fit (write-batch-split.ts), each
 * its own message named by its own digest. Cut the same way every time, a retried body makes
 * the same messages, so the log keeps each once. A single point too large for a message stays
 * whole, and the log refuses it (413).
 */
export function logPartsOf(batches: readonly (Uint8Array | null)[], messageBytes: number): LogPart[] {
  const parts: LogPart[] = [];
  batches.forEach((batch, partition) => {
    if (batch === null) return;
    for (const piece of encodedPieces(batch, messageBytes)) parts.push({ partition, batch: piece.encoded, id: batchDigest(piece.raw), rawBytes: piece.raw.byteLength, encoding: piece.encoding });
  });
  return parts;
}

/**
 * A periodic continuous query's batch for one partition as messages named after `name` (its
 * run and partition): one message `name` when it fits encoded, as nodes running the same
 * interval name it alike and the log keeps one; otherwise pieces named `name.<the batch's
 * digest>.<k>`, so the pieces of two nodes' runs that came out different are never mixed
 * (each node's are kept whole, and the later overwrites the earlier row by row).
 */
export function namedLogParts(partition: number, batch: Uint8Array, messageBytes: number, name: string): LogPart[] {
  const pieces = encodedPieces(batch, messageBytes);
  const prefix = pieces.length === 1 ? undefined : `${name}.${batchDigest(batch)}`;
  return pieces.map((piece, k) => ({ partition, batch: piece.encoded, id: prefix === undefined ? name : `${prefix}.${k}`, rawBytes: piece.raw.byteLength, encoding: piece.encoding }));
}

/** The batch encoded, or cut into pieces that each fit a message encoded; each with its bytes before encoding. */
function encodedPieces(batch: Uint8Array, messageBytes: number): { raw: Uint8Array; encoded: ArrayBuffer; encoding: LogBatchEncoding }[] {
  const { payload, encoding } = encodeLogBatch(batch);
  if (payload.byteLength <= messageBytes || readWriteBatch(batch).pointCount <= 1) return [{ raw: batch, encoded: ownBuffer(payload), encoding }];
  const pieces = Math.max(2, Math.ceil((payload.byteLength / messageBytes) * SPLIT_MARGIN));
  return splitWriteBatch(batch, pieces).flatMap((piece) => encodedPieces(piece, messageBytes));
}
