/**
 * In cluster mode a write reaches its owner's shard encoded as the partition's log carried it
 * (log-batch-encoding.ts: packed, about 2.4 bytes a point of the bench's workload against 34
 * decoded). The owner logs it in its WAL as this record, still encoded, instead of the decoded
 * batch: the WAL write and its fdatasync were a fifth of an owner's shard thread, nearly all of
 * it copying and syncing the decoded bytes. Replay decodes the record and numbers and stamps
 * the batch exactly as the write did (`numberAndStamp`), so it gives back the batch the shard
 * applied.
 *
 * Layout: 'S' 'E' 'W' version | encoding u8 | 3 reserved bytes | decoded length u32 |
 * participants u32 | transaction f64 | sequence-number base f64 | the encoded batch
 * (little-endian).
 */
import { DEFLATED_BATCH_ENCODING } from './write-batch-deflate.js';
import { PACKED_BATCH_ENCODING } from './write-batch-pack.js';
import { decodeLogBatch, type LogBatchEncoding } from './log-batch-encoding.js';
import { numberAndStamp, readWriteBatch, type SeriesEntryReader } from './write-batch.js';

const MAGIC = [0x53, 0x45, 0x57] as const;
const VERSION = 1;
const HEADER_SIZE = 32;
const ENCODINGS: readonly LogBatchEncoding[] = [PACKED_BATCH_ENCODING, DEFLATED_BATCH_ENCODING];

/** How a batch was logged as a record: the write's transaction and the base its points are numbered from. */
export interface EncodedWrite {
  readonly encoding: LogBatchEncoding;
  readonly rawBytes: number;
  readonly txn: number;
  readonly participants: number;
  readonly base: number;
}

export function isEncodedWriteRecord(payload: Uint8Array): boolean {
  return payload.length >= 4 && payload[0] === MAGIC[0] && payload[1] === MAGIC[1] && payload[2] === MAGIC[2];
}

export function encodeEncodedWriteRecord(write: EncodedWrite, encoded: Uint8Array): Uint8Array {
  const encoding = ENCODINGS.indexOf(write.encoding);
  if (encoding < 0) throw new Error(`a write batch encoded as ${write.encoding} cannot be logged as it came`);
  const record = new Uint8Array(HEADER_SIZE + encoded.length);
  const view = new DataView(record.buffer);
  record.set(MAGIC, 0);
  record[3] = VERSION;
  record[4] = encoding;
  view.setUint32(8, write.rawBytes, true);
  view.setUint32(12, write.participants >>> 0, true);
  view.setFloat64(16, write.txn, true);
  view.setFloat64(24, write.base, true);
  record.set(encoded, HEADER_SIZE);
  return record;
}

/** The record's header, without decoding its batch (recovery's transaction survey reads only this). */
export function encodedWriteOf(record: Uint8Array): EncodedWrite {
  if (!isEncodedWriteRecord(record) || record[3] !== VERSION || record.length < HEADER_SIZE) throw new Error(`not an encoded write record of version ${VERSION}`);
  const encoding = ENCODINGS[record[4]!];
  if (encoding === undefined) throw new Error(`an encoded write record names encoding ${record[4]}, which this build cannot read`);
  const view = new DataView(record.buffer, record.byteOffset, HEADER_SIZE);
  return { encoding, rawBytes: view.getUint32(8, true), participants: view.getUint32(12, true), txn: view.getFloat64(16, true), base: view.getFloat64(24, true) };
}

/** The batch as the write applied it: decoded, its points numbered and its transaction stamped. */
export function decodeEncodedWriteRecord(record: Uint8Array, reader: SeriesEntryReader): Uint8Array {
  const write = encodedWriteOf(record);
  const bytes = decodeLogBatch(record.subarray(HEADER_SIZE), write.encoding, write.rawBytes);
  numberAndStamp(bytes, readWriteBatch(bytes), reader, write);
  return bytes;
}
