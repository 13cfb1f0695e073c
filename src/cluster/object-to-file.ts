import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from 'nats';
import { beforeDeadline } from './before-deadline.js';

/** The object a checkpoint lists: its size and the SHA-256 digest the object store recorded for it. */
export interface ExpectedObject {
  readonly name: string;
  readonly bytes: number;
  readonly digest: string;
}

/**
 * Streams one object into a new file at `path` (fsynced) and checks it is the object expected:
 * the same digest and size in the store's record, every byte arriving (the store's reader checks
 * the bytes against the digest as they come). An object deleted while it is read can leave the
 * reader waiting for chunks that no longer exist: `idleMs` without a byte fails it.
 */
export async function objectToFile(store: ObjectStore, expected: ExpectedObject, path: string, callMs: number, idleMs: number): Promise<void> {
  const result = await beforeDeadline(store.get(expected.name), Date.now() + callMs);
  if (result === null) throw new Error(`${expected.name} is no longer in the checkpoint bucket`);
  if (result.info.digest !== expected.digest || result.info.size !== expected.bytes) {
    await result.data.cancel();
    throw new Error(`${expected.name} was replaced: the checkpoint lists ${expected.bytes} bytes with ${expected.digest}, the bucket holds ${result.info.size} bytes with ${result.info.digest}`);
  }
  await pipeline(Readable.fromWeb(result.data), stallGuard(idleMs, expected.name), createWriteStream(path, { flags: 'wx', flush: true }));
  const failed = await result.error;
  if (failed) throw new Error(`${expected.name}: ${failed.message}`);
  const written = (await stat(path)).size;
  if (written !== expected.bytes) throw new Error(`${expected.name} arrived with ${written} of its ${expected.bytes} bytes`);
}

/** Passes bytes through; fails once none has come for `idleMs`. */
function stallGuard(idleMs: number, what: string): Transform {
  const guard: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(err, done) {
      clearTimeout(timer);
      done(err);
    },
  });
  const timer = setTimeout(() => guard.destroy(new Error(`${what}: no bytes for ${idleMs} ms`)), idleMs);
  return guard;
}
