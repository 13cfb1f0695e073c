/**
 * A write batch as cluster mode's log carried it before batches were packed
 * (write-batch-pack.ts), and still carries one that cannot be packed exactly: deflated (raw
 * deflate, level 1) by the parse thread that made it, inflated by the shard thread that stores
 * it. Messages of older builds in a log are read through it too.
 *
 * Why: the NATS servers' work grows with the bytes they take, replicate, write to their files
 * and hand to the owners, and a batch of the peer bench's workload is 34 bytes a point (times,
 * sequence numbers and values as 8-byte numbers, a kind byte, each series' name and headers).
 * Deflated it is 7.3 bytes. On the cluster bench (2 nodes, 4 partitions, 3 M points) the three
 * NATS servers then spent 1.0–1.2 µs of CPU a point against 1.9–2.1, for about 0.19 µs of
 * deflating and inflating in Sluice's threads. Level 1 is as fast as any zlib level here and
 * within 7 % of level 6's size; Brotli's fastest levels cost as much in all.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ownBuffer } from '../util/own-buffer.js';

/** What the log's `Sluice-Encoding` header says of a deflated batch. */
export const DEFLATED_BATCH_ENCODING = 'deflate-raw';

export function deflateBatch(batch: Uint8Array): Uint8Array {
  return deflateRawSync(batch, { level: 1 });
}

/**
 * The batch `deflateBatch` made `payload` from, which was `rawBytes` long. zlib stops at that
 * length, so a damaged payload cannot make more; one that gives another length is refused.
 * The batch is an array of its own, starting at offset 0: decodeWriteBatch views its numbers
 * in place, 8-aligned, and the memtable may keep it.
 */
export function inflateBatch(payload: Uint8Array, rawBytes: number): Uint8Array {
  const inflated = inflateRawSync(payload, { maxOutputLength: Math.max(1, rawBytes) });
  if (inflated.byteLength !== rawBytes) throw new Error(`a logged write batch inflated to ${inflated.byteLength} bytes, its header says ${rawBytes}`);
  return new Uint8Array(ownBuffer(inflated));
}
