import { MessageChannel } from 'node:worker_threads';

/**
 * Frees ArrayBuffers now instead of at their isolate's next major garbage collection. A write
 * batch or body moved in from another thread usually lives long enough to be promoted, so its
 * memory (off the V8 heap) waits for a mark-compact that V8 schedules by the heap's growth,
 * not by these bytes: in a shard that was a hundred MiB of dead batches. Node 20 has no
 * `ArrayBuffer.prototype.transfer`; posting the buffers to a port whose other end is closed
 * detaches them just the same, and the message is dropped with their memory.
 *
 * A view over a released buffer reads as empty, so a caller releases only buffers nothing
 * will read again, and only whole buffers of its own (never one a Buffer pool shares).
 */
const { port1: drain, port2 } = new MessageChannel();
port2.close();
drain.unref();

export function releaseBuffers(buffers: ArrayBuffer[]): void {
  if (buffers.length > 0) drain.postMessage(null, buffers);
}
