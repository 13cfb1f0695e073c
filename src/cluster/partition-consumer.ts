import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, nanos, type Consumer, type ConsumerInfo, type JetStreamClient, type JetStreamManager } from 'nats';
import { beforeDeadline } from './before-deadline.js';

/** How long making a consumer may take; past it, the caller tries again. A creation that succeeds answers in a few ms. */
export const CONSUMER_CALL_TIMEOUT_MS = 2_000;
/** A creation not answered this long is joined by another, under another name (a hedged request). */
const HEDGE_AFTER_MS = 250;
/** A consumer nobody pulls from for this long is removed by its server: one orphaned by a timed-out creation or a node's death. */
const INACTIVE_AFTER_MS = 30_000;

/** A consumer made for one run of a partition's consumer loop, removed when the loop ends. */
export interface PartitionConsumer {
  readonly consumer: Consumer;
  remove(): void;
}

/**
 * Makes an ephemeral pull consumer of a partition's stream, starting at `startSeq`, within
 * CONSUMER_CALL_TIMEOUT_MS.
 *
 * Why not nats.js's ordered consumer: after a NATS server is killed, the others go on placing
 * many new one-replica consumers on the dead server (a third to a half, for minutes: nats-server
 * 2.9.10), and such a creation never answers. The ordered consumer retries it under the same
 * name, which stays placed there, so it waits forever (nats.js 2.29). A creation under a new
 * name is placed afresh: one that has not answered in HEDGE_AFTER_MS is joined by another, the
 * first to answer is used, and the others are removed.
 */
export async function openPartitionConsumer(js: JetStreamClient, jsm: JetStreamManager, stream: string, startSeq: number): Promise<PartitionConsumer> {
  const deadline = Date.now() + CONSUMER_CALL_TIMEOUT_MS;
  const remove = (name: string): void => void jsm.consumers.delete(stream, name).catch(() => undefined);
  const creations = new Map<string, Promise<ConsumerInfo>>();
  const create = (): void => {
    const name = `sluice-${randomUUID()}`;
    const config = {
      name,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      // Nothing to acknowledge: the shard records what it stored (log-position-record.ts), and
      // a consumer always starts at the message after it.
      ack_policy: AckPolicy.None,
      num_replicas: 1,
      mem_storage: true,
      inactive_threshold: nanos(INACTIVE_AFTER_MS),
    };
    const creation = beforeDeadline(jsm.consumers.add(stream, config), deadline);
    creation.catch(() => undefined);
    creations.set(name, creation);
  };
  // The first creation to answer; another starts each HEDGE_AFTER_MS none has, until the deadline.
  const firstAnswered = async (): Promise<ConsumerInfo> => {
    create();
    for (;;) {
      const left = deadline - Date.now();
      const answered = Promise.any(creations.values());
      if (left <= 0) return answered;
      const info = await Promise.race([answered, sleep(Math.min(HEDGE_AFTER_MS, left)).then(() => undefined)]);
      if (info !== undefined) return info;
      create();
    }
  };
  let used: string | undefined;
  try {
    const chosen = await firstAnswered();
    used = chosen.name;
    return { consumer: js.consumers.getPullConsumerFor(chosen), remove: () => remove(chosen.name) };
  } catch (err) {
    const cause = err instanceof AggregateError ? (err.errors[0] as Error) : (err as Error);
    throw new Error(`cannot make a consumer of ${stream}: ${cause.message}`);
  } finally {
    // Every creation but the one used is removed once it answers or fails: one placed on a dead
    // server may exist once that server is back (else its inactivity removes it).
    for (const [name, creation] of creations) if (name !== used) void creation.finally(() => remove(name)).catch(() => undefined);
  }
}
