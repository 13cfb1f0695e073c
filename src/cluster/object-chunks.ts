import { createHash } from 'node:crypto';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, ObjectInfo } from 'nats';
import { beforeDeadline } from './before-deadline.js';
import { openHedgedConsumer } from './hedged-consumer.js';

/** Chunks asked for at once: with 256 KiB chunks, about 4 MiB held in memory at most. */
const FETCH_CHUNKS = 16;
/** One batch's request waits this long for chunks before it ends (then another is sent, until `idleMs` passes without one). */
const FETCH_EXPIRES_MS = 2_000;
const DIGEST_PREFIX = 'SHA-256=';

/** Where an object's chunks are read from, and how long calls and silences may last. */
export interface ObjectSource {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly bucket: string;
  /** A call to a NATS server (a consumer's creation, a message's read) takes at most this long. */
  readonly callMs: number;
  /** This long without a chunk fails the read. */
  readonly idleMs: number;
}

/**
 * The chunks of the object `info` describes, in order, batch by batch: the next batch is asked
 * for only when the caller takes it, so a slow reader holds at most one batch. Not the object
 * store's own `get`: it pushes chunks as fast as the servers send them, and it reads them through
 * nats.js's ordered consumer, which after a NATS server's death can be placed on the dead server
 * and wait there (hedged-consumer.ts): a checkpoint download took 4–26 s while a NATS server
 * stayed dead, against 50 ms. The chunks come through a hedged consumer of the object's chunk
 * subject (the object store's layout: stream `OBJ_<bucket>`, chunks on `$O.<bucket>.C.<nuid>`).
 * A chunk missing from the deliveries fails the read at once; `idleMs` without a chunk fails it
 * too: the chunks were deleted under it (a newer object replaced it), or no server answers.
 */
export async function* objectChunks(source: ObjectSource, info: ObjectInfo): AsyncGenerator<readonly Uint8Array[]> {
  if (info.size === 0) return;
  const { js, jsm, bucket, callMs, idleMs } = source;
  const made = await openHedgedConsumer(js, jsm, `OBJ_${bucket}`, { filterSubject: `$O.${bucket}.C.${info.nuid}` });
  try {
    let received = 0;
    let chunks = 0;
    let lastChunkAt = Date.now();
    while (received < info.size) {
      // A batch may end empty (its request expired first): only time without a chunk counts.
      if (Date.now() - lastChunkAt > idleMs) throw new Error(`${info.name}: no chunk for ${idleMs} ms after ${received} of its ${info.size} bytes`);
      // The batch is taken whole before the caller gets it: chunks delivered to a pull request
      // that has expired are gone (nothing is acknowledged, nothing redelivered).
      const deadline = Date.now() + FETCH_EXPIRES_MS + callMs;
      // Never more chunks than are left: a fetch waits out its expiry for a batch it cannot fill.
      const wanted = Math.max(1, Math.min(FETCH_CHUNKS, info.chunks - chunks));
      const fetched = await beforeDeadline(made.consumer.fetch({ max_messages: wanted, expires: FETCH_EXPIRES_MS }), deadline);
      const batch = await beforeDeadline(messagesOf(fetched), deadline).catch((err: unknown) => {
        fetched.stop();
        throw err;
      });
      const data: Uint8Array[] = [];
      for (const message of batch) {
        if (message.info.deliverySequence !== chunks + 1) {
          throw new Error(`${info.name}: chunk ${chunks + 1} was lost on the way (the next delivered is delivery ${message.info.deliverySequence})`);
        }
        chunks += 1;
        received += message.data.length;
        data.push(message.data);
      }
      if (data.length > 0) {
        lastChunkAt = Date.now();
        yield data;
      }
    }
  } finally {
    made.remove();
  }
}

/**
 * A small object whole (a checkpoint record), checked against its size and digest. An object of
 * one chunk, as a record is, is read as the last message of its chunk subject: one request to
 * the stream, no consumer.
 */
export async function objectBytes(source: ObjectSource, info: ObjectInfo): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (info.chunks === 1) {
    const message = await beforeDeadline(source.jsm.streams.getMessage(`OBJ_${source.bucket}`, { last_by_subj: `$O.${source.bucket}.C.${info.nuid}` }), Date.now() + source.callMs);
    parts.push(message.data);
  } else {
    for await (const batch of objectChunks(source, info)) parts.push(...batch);
  }
  const bytes = Buffer.concat(parts);
  const digest = createHash('sha256').update(bytes).digest();
  assertArrived(info.name, bytes.length, digest, info.size, info.digest);
  return bytes;
}

/** Throws unless `bytes` bytes with `digest` arrived for an object of `size` bytes whose recorded digest is `expectedDigest`. */
export function assertArrived(name: string, bytes: number, digest: Buffer, size: number, expectedDigest: string): void {
  if (bytes !== size) throw new Error(`${name} arrived with ${bytes} bytes, not ${size}`);
  if (!digest.equals(Buffer.from(expectedDigest.slice(DIGEST_PREFIX.length), 'base64url'))) {
    throw new Error(`${name} arrived with bytes that do not match its digest ${expectedDigest}`);
  }
}

async function messagesOf(messages: ConsumerMessages): Promise<JsMsg[]> {
  const taken: JsMsg[] = [];
  for await (const message of messages) taken.push(message);
  return taken;
}
