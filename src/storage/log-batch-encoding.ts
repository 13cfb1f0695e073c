import { DEFLATED_BATCH_ENCODING, deflateBatch, inflateBatch } from './write-batch-deflate.js';
import { PACKED_BATCH_ENCODING, packBatch } from './write-batch-pack.js';
import { unpackBatch } from './write-batch-unpack.js';

/**
 * How cluster mode's log carries a write batch: packed (write-batch-pack.ts) when it packs
 * exactly, else deflated as it is (write-batch-deflate.ts). A message's `Sluice-Encoding`
 * header names which; messages of builds before packing are all deflated, and those of builds
 * before that carry the batch as it is, with no header.
 */
export type LogBatchEncoding = typeof PACKED_BATCH_ENCODING | typeof DEFLATED_BATCH_ENCODING;

export function encodeLogBatch(batch: Uint8Array): { readonly payload: Uint8Array; readonly encoding: LogBatchEncoding } {
  const packed = packBatch(batch);
  return packed === undefined ? { payload: deflateBatch(batch), encoding: DEFLATED_BATCH_ENCODING } : { payload: packed, encoding: PACKED_BATCH_ENCODING };
}

export function isLogBatchEncoding(name: string): name is LogBatchEncoding {
  return name === PACKED_BATCH_ENCODING || name === DEFLATED_BATCH_ENCODING;
}

/** The batch, `rawBytes` long, that `encodeLogBatch` made `payload` from; a payload that gives anything else throws. */
export function decodeLogBatch(payload: Uint8Array, encoding: LogBatchEncoding, rawBytes: number): Uint8Array {
  return encoding === PACKED_BATCH_ENCODING ? unpackBatch(payload, rawBytes) : inflateBatch(payload, rawBytes);
}
