import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { ObjectStore } from 'nats';
import { beforeDeadline } from './before-deadline.js';
import { assertArrived, objectChunks, type ObjectSource } from './object-chunks.js';

/** The object a checkpoint lists: its size and the SHA-256 digest the object store recorded for it. */
export interface ExpectedObject {
  readonly name: string;
  readonly bytes: number;
  readonly digest: string;
}

/**
 * Streams one object of the bucket into a new file at `path` (fsynced), checking it is the
 * object expected: the digest and size in the store's record, then every byte against that
 * digest. The chunks come batch by batch (object-chunks.ts), the next one asked for only once
 * the last is written, so a large object never piles up in memory whatever the disk takes.
 */
export async function objectToFile(source: ObjectSource, store: ObjectStore, expected: ExpectedObject, path: string): Promise<void> {
  const info = await beforeDeadline(store.info(expected.name), Date.now() + source.callMs);
  if (info === null || info.deleted) throw new Error(`${expected.name} is no longer in the checkpoint bucket`);
  if (info.digest !== expected.digest || info.size !== expected.bytes) {
    throw new Error(`${expected.name} was replaced: the checkpoint lists ${expected.bytes} bytes with ${expected.digest}, the bucket holds ${info.size} bytes with ${info.digest}`);
  }
  const out = createWriteStream(path, { flags: 'wx', flush: true });
  const hash = createHash('sha256');
  let received = 0;
  try {
    for await (const batch of objectChunks(source, info)) {
      for (const data of batch) {
        received += data.length;
        hash.update(data);
        if (!out.write(data)) await once(out, 'drain');
      }
    }
    out.end();
    await finished(out);
  } catch (err) {
    out.destroy();
    throw err;
  }
  assertArrived(expected.name, received, hash.digest(), expected.bytes, expected.digest);
}
