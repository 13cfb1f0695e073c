import { NatsError, type JetStreamClient } from 'nats';

/** JetStream's answer to a compare-and-set whose revision is no longer the latest. */
const WRONG_LAST_SEQUENCE = 10071;

/** The subject a KV bucket stores `key` under (nats.js's `$KV.<bucket>.<key>`). */
export const kvSubject = (bucket: string, key: string): string => `$KV.${bucket}.${key}`;

/**
 * Stores `text` if the bucket's latest revision is still `base`, and returns the new revision.
 * Only for a bucket holding one key. Not `kv.update`: that expects the key's last sequence,
 * which nats-server 2.9 (Debian's 2.9.10) checks outside its Raft log, so on a replicated
 * bucket two racing updates can both pass (nats-server issue 4320). The stream's last sequence
 * is checked in order on the leader, and with one key in the bucket it is the key's revision.
 */
export async function compareAndSet(js: JetStreamClient, subject: string, text: string, base: number): Promise<number> {
  const ack = await js.publish(subject, text, { expect: { lastSequence: base } });
  return ack.seq;
}

export function isWrongRevision(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === WRONG_LAST_SEQUENCE;
}
