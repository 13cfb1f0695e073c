/**
 * The compressed envelope around a segment entry's Arrow IPC stream.
 *
 *     [0x53 0x4c 0x5a ('SLZ')][codec][compressed Arrow IPC stream]
 *     codec 1: raw DEFLATE primed with SEGMENT_DEFLATE_DICTIONARY
 *
 * Arrow's own IPC body compression (LZ4_FRAME or ZSTD, per buffer) would keep the entry a
 * bare Arrow stream, but Node 20's zlib has neither codec, and it leaves the schema and
 * batch headers uncompressed, which for a short series cost more than the data. Measured on
 * the bench/segment-size.ts workload (2-decimal floats, uniform / random walk), B/point:
 *
 *                                              10,000 points     100 points
 *     envelope, DEFLATE + preset dictionary    1.87 / 0.99       3.48 / 2.41
 *     envelope, DEFLATE                        1.91 / 1.04       6.85 / 5.98
 *     envelope, Brotli q5                      1.88 / 1.02       6.50 / 5.54
 *     envelope, ZSTD level 3 (native addon)    1.89 / 1.03       7.08 / 6.26
 *     Arrow body compression, ZSTD             1.97 / 1.13      14.72 / 14.32
 *     Arrow body compression, LZ4_FRAME        2.14 / 1.14      14.80 / 14.40
 *
 * DEFLATE is as small as ZSTD on this data and decodes as fast, so no codec package is
 * needed. An entry is plain Arrow IPC again after inflating bytes 4.. with the dictionary.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { InternalError } from '../errors.js';
import { SEGMENT_DEFLATE_DICTIONARY } from './segment-dictionary.js';

const MAGIC_0 = 0x53;
const MAGIC_1 = 0x4c;
const MAGIC_2 = 0x5a;
const CODEC_DEFLATE_DICTIONARY_1 = 1;
const HEADER_BYTES = 4;

/** Segment bytes that are not a compressed envelope this version can read. */
export class SegmentCorruptError extends InternalError {
  override readonly name = 'SegmentCorruptError';
}

export function compressSegment(ipc: Uint8Array): Uint8Array {
  const body = deflateRawSync(ipc, { dictionary: SEGMENT_DEFLATE_DICTIONARY });
  const out = new Uint8Array(HEADER_BYTES + body.byteLength);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = MAGIC_2;
  out[3] = CODEC_DEFLATE_DICTIONARY_1;
  out.set(body, HEADER_BYTES);
  return out;
}

/**
 * The Arrow IPC stream inside `bytes`, in a buffer of its own starting at byteOffset 0:
 * Arrow builds Float64Array and BigInt64Array views over it, which need 8-byte alignment.
 */
export function decompressSegment(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < HEADER_BYTES || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1 || bytes[2] !== MAGIC_2) {
    throw new SegmentCorruptError('segment does not start with the SLZ envelope header');
  }
  if (bytes[3] !== CODEC_DEFLATE_DICTIONARY_1) {
    throw new SegmentCorruptError(`segment uses unknown compression codec ${bytes[3]}`);
  }
  let ipc: Uint8Array;
  try {
    ipc = inflateRawSync(bytes.subarray(HEADER_BYTES), { dictionary: SEGMENT_DEFLATE_DICTIONARY });
  } catch (error) {
    throw new SegmentCorruptError(`segment body does not inflate: ${String(error)}`);
  }
  return ipc.byteOffset % 8 === 0 ? ipc : new Uint8Array(ipc);
}
