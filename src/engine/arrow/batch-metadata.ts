import { Builder } from 'flatbuffers';

/*
 * The metadata flatbuffer of an Arrow IPC record batch message (Message.fbs: a Message whose
 * header is a RecordBatch), written with the flatbuffers library the Arrow format is defined
 * in, field by field as apache-arrow's own encoder lays it out. Apart from apache-arrow so the
 * threads that encode answers do not load its 150 modules to write a few dozen bytes.
 */

/** MetadataVersion.V5, the current format version. */
const METADATA_V5 = 4;
/** MessageHeader.RecordBatch, the union tag of the message's header. */
const HEADER_RECORD_BATCH = 3;
/** Both structs, FieldNode {length, null_count} and Buffer {offset, length}, are two int64s. */
const STRUCT_BYTES = 16;
const STRUCT_ALIGN = 8;

/**
 * The message metadata of a batch of `length` rows: `nodes` holds each field's row count and
 * null count as pairs, `buffers` each body buffer's offset and length as pairs, both in
 * schema order. `bodyLength` is the body's padded size.
 */
export function recordBatchMetadata(length: number, nodes: readonly number[], buffers: readonly number[], bodyLength: number): Uint8Array {
  const b = new Builder(128 + 16 * (nodes.length + buffers.length));
  const nodesVector = structPairs(b, nodes);
  const buffersVector = structPairs(b, buffers);
  b.startObject(5);
  b.addFieldInt64(0, BigInt(length), 0n);
  b.addFieldOffset(1, nodesVector, 0);
  b.addFieldOffset(2, buffersVector, 0);
  const recordBatch = b.endObject();
  b.startObject(5);
  b.addFieldInt16(0, METADATA_V5, 0);
  b.addFieldOffset(2, recordBatch, 0);
  b.addFieldInt8(1, HEADER_RECORD_BATCH, 0);
  b.addFieldInt64(3, BigInt(bodyLength), 0n);
  b.finish(b.endObject());
  return b.asUint8Array();
}

/** A vector of two-int64 structs; a flatbuffer vector is written back to front. */
function structPairs(b: Builder, pairs: readonly number[]): number {
  const count = pairs.length / 2;
  b.startVector(STRUCT_BYTES, count, STRUCT_ALIGN);
  for (let i = count - 1; i >= 0; i--) {
    b.prep(STRUCT_ALIGN, STRUCT_BYTES);
    b.writeInt64(BigInt(pairs[2 * i + 1]!));
    b.writeInt64(BigInt(pairs[2 * i]!));
  }
  return b.endVector();
}
