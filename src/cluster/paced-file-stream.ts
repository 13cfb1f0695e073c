import type { FileHandle } from 'node:fs/promises';

/**
 * An open file's bytes as a web stream for the NATS object store's `put`, which publishes each
 * chunk as soon as it reads it and awaits the acknowledgements only at the end: fed straight
 * from the disk, it would queue most of a large file in the connection's outgoing buffer. Every
 * `paceBytes` this waits for `drained` (a NATS flush: the server has received everything sent
 * before it), so at most about that much is in flight.
 */
export function pacedFileStream(file: FileHandle, readBytes: number, paceBytes: number, drained: () => Promise<void>): ReadableStream<Uint8Array> {
  let sinceDrained = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sinceDrained >= paceBytes) {
          await drained();
          sinceDrained = 0;
        }
        const buffer = new Uint8Array(readBytes);
        const { bytesRead } = await file.read(buffer, 0, readBytes, null);
        if (bytesRead === 0) {
          controller.close();
          return;
        }
        sinceDrained += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      },
    },
    // Nothing read ahead: a read happens only when the store asks for the next chunk.
    { highWaterMark: 0 },
  );
}
