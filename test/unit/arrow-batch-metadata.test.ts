/**
 * The record batch metadata writer against apache-arrow's own encoder: the same bytes for
 * batches of every shape the answer encoder makes, empty fields, nulls, and sizes beyond 2^32.
 */
import test from 'ava';
import fc from 'fast-check';
import { BufferRegion, FieldNode, Message, RecordBatch } from 'apache-arrow/ipc/metadata/message';
import { recordBatchMetadata } from '../../src/engine/arrow/batch-metadata.js';

function arrowsOwn(length: number, nodes: readonly number[], buffers: readonly number[], bodyLength: number): Uint8Array {
  const fieldNodes: FieldNode[] = [];
  for (let i = 0; i < nodes.length; i += 2) fieldNodes.push(new FieldNode(nodes[i]!, nodes[i + 1]!));
  const regions: BufferRegion[] = [];
  for (let i = 0; i < buffers.length; i += 2) regions.push(new BufferRegion(buffers[i]!, buffers[i + 1]!));
  return Message.encode(Message.from(new RecordBatch(length, fieldNodes, regions, null), bodyLength));
}

test('a typical answer batch is written byte for byte as apache-arrow writes it', (t) => {
  const nodes = [1000, 0, 1000, 0, 1000, 0, 1000, 17];
  const buffers = [0, 0, 0, 4000, 4000, 0, 4000, 8000, 12000, 0, 12000, 8000, 20000, 125, 20128, 8000];
  t.deepEqual(recordBatchMetadata(1000, nodes, buffers, 28128), arrowsOwn(1000, nodes, buffers, 28128));
});

test('any row count, fields, buffers and body length give apache-arrow’s bytes', (t) => {
  const size = fc.maxSafeInteger().map((n) => Math.floor(n / 2));
  fc.assert(
    fc.property(size, fc.array(fc.tuple(size, size), { maxLength: 12 }), fc.array(fc.tuple(size, size), { maxLength: 30 }), size, (length, nodes, buffers, bodyLength) => {
      const expected = arrowsOwn(length, nodes.flat(), buffers.flat(), bodyLength);
      t.deepEqual(recordBatchMetadata(length, nodes.flat(), buffers.flat(), bodyLength), expected);
    }),
    { numRuns: 500 },
  );
});
