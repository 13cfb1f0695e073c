import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { ConsumerMessages, JetStreamClient, ObjectStore } from 'nats';
import { beforeDeadline } from './before-deadline.js';

/** The object a checkpoint lists: its size and the SHA-256 digest the object store recorded for it. */
export interface ExpectedObject {
  readonly name: string;
  readonly bytes: number;
  readonly digest: string;
}

/** Chunks asked for at once: with 256 KiB chunks, about 4 MiB held in memory at most. */
const FETCH_CHUNKS = 16;
/** One batch's request waits this long for chunks before it ends (then another is sent, until `idleMs` passes without one). */
const FETCH_EXPIRES_MS = 2_000;
const DIGEST_PREFIX = 'SHA-256=';

/**
 * Streams one object of `bucket` into a new file at `path` (fsynced), checking it is the object
 * expected: the digest and size in the store's record, then every byte against that digest.
 * Not the store's own `get`: it pushes chunks as fast as the servers send them, whatever the
 * disk takes, so a large object could pile up in memory. This pulls them in small batches
 * through an ordered consumer on the object's chunk subject (the object store's layout:
 * stream `OBJ_<bucket>`, chunks on `$O.<bucket>.C.<nuid>`), one batch after the last is written.
 * `idleMs` without a chunk fails the download: the object's chunks were deleted under it (a
 * newer checkpoint replaced it), or no server answers.
 */
export async function objectToFile(js: JetStreamClient, store: ObjectStore, bucket: string, expected: ExpectedObject, path: string, callMs: number, idleMs: number): Promise<void> {
  const info = await beforeDeadline(store.info(expected.name), Date.now() + callMs);
  if (info === null || info.deleted) throw new Error(`${expected.name} is no longer in the checkpoint bucket`);
  if (info.digest !== expected.digest || info.size !== expected.bytes) {
    throw new Error(`${expected.name} was replaced: the checkpoint lists ${expected.bytes} bytes with ${expected.digest}, the bucket holds ${info.size} bytes with ${info.digest}`);
  }
  const out = createWriteStream(path, { flags: 'wx', flush: true });
  const hash = createHash('sha256');
  let received = 0;
  let chunks = 0;
  try {
    if (expected.bytes > 0) {
      const consumer = await beforeDeadline(js.consumers.get(`OBJ_${bucket}`, { filterSubjects: `$O.${bucket}.C.${info.nuid}` }), Date.now() + callMs);
      let lastChunkAt = Date.now();
      while (received < expected.bytes) {
        // A batch may also end empty when the ordered consumer resets itself (a missed heartbeat): only time without a chunk counts.
        if (Date.now() - lastChunkAt > idleMs) throw new Error(`${expected.name}: no chunk for ${idleMs} ms after ${received} of its ${expected.bytes} bytes`);
        // The batch is taken whole before any write is awaited: chunks that arrive while the
        // iteration waits are lost once the fetch expires (nats.js 2.29 ordered consumers).
        // A fetch whose consumer is resetting after a server's death can outlive its expiry.
        const deadline = Date.now() + FETCH_EXPIRES_MS + callMs;
        // Never more chunks than are left: a fetch waits out its expiry for a batch it cannot fill.
        const wanted = Math.max(1, Math.min(FETCH_CHUNKS, info.chunks - chunks));
        const fetched = await beforeDeadline(consumer.fetch({ max_messages: wanted, expires: FETCH_EXPIRES_MS }), deadline);
        const batch = await beforeDeadline(chunksOf(fetched), deadline).catch((err: unknown) => {
          fetched.stop();
          throw err;
        });
        for (const data of batch) {
          received += data.length;
          chunks += 1;
          lastChunkAt = Date.now();
          hash.update(data);
          if (!out.write(data)) await once(out, 'drain');
        }
      }
    }
    out.end();
    await finished(out);
  } catch (err) {
    out.destroy();
    throw err;
  }
  if (received !== expected.bytes) throw new Error(`${expected.name} arrived with ${received} bytes, not ${expected.bytes}`);
  if (!hash.digest().equals(Buffer.from(expected.digest.slice(DIGEST_PREFIX.length), 'base64url'))) {
    throw new Error(`${expected.name} arrived with bytes that do not match its digest ${expected.digest}`);
  }
}

async function chunksOf(messages: ConsumerMessages): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const message of messages) chunks.push(message.data);
  return chunks;
}
