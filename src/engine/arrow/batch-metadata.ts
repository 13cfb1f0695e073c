import { Builder } from 'flatbuffers';

/*
 * The metadata flatbuffers of Arrow IPC messages (Message.fbs: a Message whose header is a
 * Schema, a DictionaryBatch or a RecordBatch), written with the flatbuffers library the Arrow
 * format is defined in, field by field as apache-arrow's own encoder lays them out. Apart from
 * apache-arrow so the threads that encode answers do not load its 150 modules to write a few
 * dozen bytes, and so the event loop does not build an answer's schema through its classes
 * (stream-head.ts).
 */

/** MetadataVersion.V5, the current format version. */
const METADATA_V5 = 4;
/** MessageHeader's union tags. */
export const HEADER_SCHEMA = 1;
export const HEADER_DICTIONARY_BATCH = 2;
export const HEADER_RECORD_BATCH = 3;
/** Both structs, FieldNode {length, null_count} and Buffer {offset, length}, are two int64s. */
const STRUCT_BYTES = 16;
const STRUCT_ALIGN = 8;
const TWO_TO_32 = 4294967296;

/** The continuation token that starts every IPC message, before its metadata's length. */
export const CONTINUATION = 0xffffffff;

/** A message header's table written into a builder; returns its offset. */
export type HeaderWriter = (b: Builder) => number;

/**
 * The message metadata of a batch of `length` rows: `nodes` holds each field's row count and
 * null count as pairs, `buffers` each body buffer's offset and length as pairs, both in
 * schema order. `bodyLength` is the body's padded size.
 */
export function recordBatchMetadata(length: number, nodes: readonly number[], buffers: readonly number[], bodyLength: number): Uint8Array {
  const header: HeaderWriter = (b) => recordBatchTable(b, length, structPairs(b, nodes), structPairs(b, buffers));
  return messageMetadata(header, HEADER_RECORD_BATCH, bodyLength, 128 + 16 * (nodes.length + buffers.length));
}

/** The Message table around a header, finished: the metadata of one IPC message. */
export function messageMetadata(header: HeaderWriter, headerType: number, bodyLength: number, initialSize = 1024): Uint8Array {
  const b = new Builder(initialSize);
  const headerOffset = header(b);
  b.startObject(5);
  b.addFieldInt16(0, METADATA_V5, 0);
  b.addFieldOffset(2, headerOffset, 0);
  b.addFieldInt8(1, headerType, 0);
  b.addFieldInt64(3, BigInt(bodyLength), 0n);
  b.finish(b.endObject());
  return b.asUint8Array();
}

/** A RecordBatch table over its vectors of nodes and buffers (structPairs, zeroPairs). */
export function recordBatchTable(b: Builder, length: number, nodesVector: number, buffersVector: number): number {
  b.startObject(5);
  b.addFieldInt64(0, BigInt(length), 0n);
  b.addFieldOffset(1, nodesVector, 0);
  b.addFieldOffset(2, buffersVector, 0);
  return b.endObject();
}

/**
 * A vector of two-int64 structs (FieldNode, Buffer) from their values as pairs, each int64
 * written as its two 32-bit halves, high first since a flatbuffer is written back to front:
 * no BigInt per value.
 */
export function structPairs(b: Builder, pairs: readonly number[]): number {
  b.startVector(STRUCT_BYTES, pairs.length / 2, STRUCT_ALIGN);
  for (let i = pairs.length - 1; i >= 0; i--) {
    if (i % 2 === 1) b.prep(STRUCT_ALIGN, STRUCT_BYTES);
    const value = pairs[i]!;
    b.writeInt32(Math.floor(value / TWO_TO_32));
    b.writeInt32(value % TWO_TO_32);
  }
  return b.endVector();
}

/** A vector of `count` two-int64 structs that are all zero. */
export function zeroPairs(b: Builder, count: number): number {
  b.startVector(STRUCT_BYTES, count, STRUCT_ALIGN);
  b.pad(STRUCT_BYTES * count);
  return b.endVector();
}

/** `bytes` rounded up to the 8-byte alignment of IPC metadata and body buffers. */
export function padded(bytes: number): number {
  return (bytes + 7) & ~7;
}
