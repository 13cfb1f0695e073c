import type { Builder } from 'flatbuffers';
import type { TimePrecision } from '../../time-precision.js';
import type { ArrowLayout } from './record-batch.js';
import {
  CONTINUATION,
  HEADER_DICTIONARY_BATCH,
  HEADER_RECORD_BATCH,
  HEADER_SCHEMA,
  messageMetadata,
  padded,
  recordBatchTable,
  structPairs,
  zeroPairs,
  type HeaderWriter,
} from './batch-metadata.js';

/*
 * The first bytes of an Arrow IPC stream answer, written with the flatbuffers library as
 * apache-arrow's own writer lays them out (tableToIPC of an empty batch whose `series`
 * dictionary holds the names): the schema message, the dictionary batch, and a record batch of
 * no rows. apache-arrow built them in 90 ms for 40,000 series and 0.75 s for 20,000 columns,
 * on the event loop; this takes a few milliseconds for either. Field ids, defaults and the
 * order of every write follow Arrow's Schema.fbs and Message.fbs and apache-arrow's encoder,
 * so the bytes are apache-arrow's (test/unit/arrow-stream-head.test.ts compares them).
 */

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/** Arrow's end-of-stream marker: a continuation token and a zero-length message. */
export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Marks a utf8 column that holds each value's JSON text because its values are of several kinds. */
const JSON_TEXT_KEY = 'sluice.values';
const JSON_TEXT_VALUE = 'json';

/** Type's union tags. */
const TYPE_INT = 2;
const TYPE_FLOATING_POINT = 3;
const TYPE_UTF8 = 5;
const TYPE_BOOL = 6;
const TYPE_TIMESTAMP = 10;
const PRECISION_DOUBLE = 2;
const TIME_UNITS: Record<TimePrecision, number> = { s: 0, ms: 1, u: 2 };
/** The series column's dictionary id, the only dictionary of an answer. */
const SERIES_DICTIONARY_ID = 0n;

/** How a field of the schema is declared. */
interface FieldShape {
  readonly name: string;
  readonly nullable: boolean;
  readonly type: 'series' | 'timestamp' | 'int64' | 'float64' | 'bool' | 'utf8' | 'text';
}

/**
 * The schema, then the `series` dictionary (every series the answer may name, in the order of
 * `seriesNames`, indexed by position). The record batches the shards encode follow, then
 * END_OF_STREAM.
 */
export function arrowStreamHead(layout: ArrowLayout, seriesNames: readonly string[]): Uint8Array {
  const fields: FieldShape[] = [
    { name: 'series', nullable: false, type: 'series' },
    { name: 'time', nullable: false, type: 'timestamp' },
    ...(layout.withSeq ? [{ name: 'sequence_number', nullable: false, type: 'int64' as const }] : []),
    ...layout.columns.map((c) => ({ name: c.name, nullable: true, type: c.type })),
  ];
  const schema = message(schemaHeader(fields, layout.precision), HEADER_SCHEMA, new Uint8Array(0));
  const dictionary = dictionaryMessage(seriesNames);
  const empty = emptyBatchMessage(fields);
  const head = new Uint8Array(schema.byteLength + dictionary.byteLength + empty.byteLength);
  head.set(schema, 0);
  head.set(dictionary, schema.byteLength);
  head.set(empty, schema.byteLength + dictionary.byteLength);
  return head;
}

function schemaHeader(fields: readonly FieldShape[], precision: TimePrecision): HeaderWriter {
  return (b) => {
    const offsets = fields.map((field) => fieldTable(b, field, precision));
    const fieldsVector = vectorOfOffsets(b, offsets);
    b.startObject(4);
    b.addFieldOffset(1, fieldsVector, 0);
    // Endianness (field 0) is left at its default, Little, as on every platform Node runs on.
    return b.endObject();
  };
}

function fieldTable(b: Builder, field: FieldShape, precision: TimePrecision): number {
  let typeId: number;
  let typeOffset: number;
  let dictionaryOffset = -1;
  if (field.type === 'series') {
    const indexType = intTable(b, 32);
    b.startObject(4);
    b.addFieldInt64(0, SERIES_DICTIONARY_ID, 0n);
    b.addFieldInt8(2, 0, 0);
    b.addFieldOffset(1, indexType, 0);
    dictionaryOffset = b.endObject();
    typeId = TYPE_UTF8;
    typeOffset = emptyTable(b);
  } else {
    [typeId, typeOffset] = typeTable(b, field.type, precision);
  }
  b.startVector(4, 0, 4);
  const children = b.endVector();
  let metadata = -1;
  if (field.type === 'text') {
    const key = b.createString(JSON_TEXT_KEY);
    const value = b.createString(JSON_TEXT_VALUE);
    b.startObject(2);
    b.addFieldOffset(0, key, 0);
    b.addFieldOffset(1, value, 0);
    const pair = b.endObject();
    metadata = vectorOfOffsets(b, [pair]);
  }
  // apache-arrow leaves an empty name out.
  const name = field.name === '' ? -1 : b.createString(field.name);
  b.startObject(7);
  b.addFieldOffset(3, typeOffset, 0);
  b.addFieldInt8(2, typeId, 0);
  b.addFieldOffset(5, children, 0);
  b.addFieldInt8(1, field.nullable ? 1 : 0, 0);
  if (name !== -1) b.addFieldOffset(0, name, 0);
  if (dictionaryOffset !== -1) b.addFieldOffset(4, dictionaryOffset, 0);
  if (metadata !== -1) b.addFieldOffset(6, metadata, 0);
  return b.endObject();
}

/** The type table of a non-dictionary field and its Type union tag. */
function typeTable(b: Builder, type: Exclude<FieldShape['type'], 'series'>, precision: TimePrecision): [number, number] {
  switch (type) {
    case 'timestamp': {
      const timezone = b.createString('UTC');
      b.startObject(2);
      b.addFieldInt16(0, TIME_UNITS[precision], 0);
      b.addFieldOffset(1, timezone, 0);
      return [TYPE_TIMESTAMP, b.endObject()];
    }
    case 'int64':
      return [TYPE_INT, intTable(b, 64)];
    case 'float64':
      b.startObject(1);
      b.addFieldInt16(0, PRECISION_DOUBLE, 0);
      return [TYPE_FLOATING_POINT, b.endObject()];
    case 'bool':
      return [TYPE_BOOL, emptyTable(b)];
    case 'utf8':
    case 'text':
      return [TYPE_UTF8, emptyTable(b)];
  }
}

/** A signed Int type of `bitWidth` bits. */
function intTable(b: Builder, bitWidth: number): number {
  b.startObject(2);
  b.addFieldInt32(0, bitWidth, 0);
  b.addFieldInt8(1, 1, 0);
  return b.endObject();
}

/** Utf8 and Bool are tables without fields. */
function emptyTable(b: Builder): number {
  b.startObject(0);
  return b.endObject();
}

/** A vector of table offsets; a flatbuffer vector is written back to front. */
function vectorOfOffsets(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

/** The dictionary batch of the series names: one utf8 column, no nulls. */
function dictionaryMessage(names: readonly string[]): Uint8Array {
  const offsets = new Int32Array(names.length + 1);
  const data = utf8Names(names, offsets);
  const offsetsLength = padded(offsets.byteLength);
  const body = new Uint8Array(offsetsLength + padded(data.byteLength));
  body.set(new Uint8Array(offsets.buffer), 0);
  body.set(data, offsetsLength);
  // Validity (none), offsets, bytes.
  const regions = [0, 0, 0, offsetsLength, offsetsLength, body.byteLength - offsetsLength];
  const header: HeaderWriter = (b) => {
    const batch = recordBatchTable(b, names.length, structPairs(b, [names.length, 0]), structPairs(b, regions));
    b.startObject(3);
    b.addFieldInt64(0, SERIES_DICTIONARY_ID, 0n);
    b.addFieldInt8(2, 0, 0);
    b.addFieldOffset(1, batch, 0);
    return b.endObject();
  };
  return message(header, HEADER_DICTIONARY_BATCH, body);
}

/**
 * The names' UTF-8 bytes end to end, each name's end in `offsets[i + 1]`. ASCII characters are
 * copied by a loop, a name with others is encoded on its own: a TextEncoder call per name, or
 * joining the names first, cost more than the copy for thousands of short names.
 */
function utf8Names(names: readonly string[], offsets: Int32Array): Uint8Array {
  let chars = 0;
  for (let i = 0; i < names.length; i++) chars += names[i]!.length;
  let data = new Uint8Array(chars);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const start = at;
    let j = 0;
    for (; j < name.length; j++) {
      const c = name.charCodeAt(j);
      if (c >= 0x80) break;
      data[at++] = c;
    }
    if (j < name.length) {
      const encoded = Buffer.from(name, 'utf8');
      // The rest of the names fit in the room left for their characters, one byte each.
      if (data.length < start + encoded.length + (chars - name.length)) {
        const grown = new Uint8Array(start + encoded.length + chars - name.length);
        grown.set(data.subarray(0, start));
        data = grown;
      }
      data.set(encoded, start);
      at = start + encoded.length;
    }
    chars -= name.length;
    offsets[i + 1] = at;
  }
  return data.subarray(0, at);
}

/** A record batch of no rows: it carries the dictionary into the stream, and readers skip it. */
function emptyBatchMessage(fields: readonly FieldShape[]): Uint8Array {
  // Each field's node, then its buffers: validity and values, and offsets before a utf8
  // column's bytes. All empty, at offset 0: every int64 of both vectors is zero.
  let buffers = 0;
  for (const field of fields) buffers += field.type === 'utf8' || field.type === 'text' ? 3 : 2;
  const header: HeaderWriter = (b) => {
    const nodesVector = zeroPairs(b, fields.length);
    const buffersVector = zeroPairs(b, buffers);
    return recordBatchTable(b, 0, nodesVector, buffersVector);
  };
  return message(header, HEADER_RECORD_BATCH, new Uint8Array(0));
}

/** One IPC message: continuation, metadata length, the Message flatbuffer padded to 8 bytes, then the body. */
function message(header: HeaderWriter, headerType: number, body: Uint8Array): Uint8Array {
  const metadata = messageMetadata(header, headerType, body.byteLength);
  const metadataLength = padded(8 + metadata.byteLength) - 8;
  const bytes = new Uint8Array(8 + metadataLength + body.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, metadataLength, true);
  bytes.set(metadata, 8);
  bytes.set(body, 8 + metadataLength);
  return bytes;
}
