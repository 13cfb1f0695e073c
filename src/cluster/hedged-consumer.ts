import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, NatsError, nanos, type Consumer, type ConsumerConfig, type ConsumerInfo, type JetStreamClient, type JetStreamManager } from 'nats';
import { beforeDeadline, DeadlineError } from './before-deadline.js';

/** How long making a consumer may take; past it, the caller tries again. A creation that succeeds answers in a few ms. */
export const CONSUMER_CALL_TIMEOUT_MS = 2_000;
/** A creation not answered this long is joined by another, under another name (a hedged request). */
const HEDGE_AFTER_MS = 250;
/** A consumer nobody pulls from for this long is removed by its server: one orphaned by a timed-out creation or a node's death. */
const INACTIVE_AFTER_MS = 30_000;

/** A consumer made for one reader (a partition's consumer loop, a checkpoint file's download), removed when it is done. */
export interface HedgedConsumer {
  readonly consumer: Consumer;
  remove(): void;
}

/** Where the consumer starts: at a stream sequence, or at the first message of one subject. */
export type ConsumerStart = { readonly startSeq: number } | { readonly filterSubject: string };

/**
 * Makes an ephemeral pull consumer of `stream` within CONSUMER_CALL_TIMEOUT_MS: from a stream
 * sequence on (a partition's stream), or every message of one subject (an object's chunks).
 *
 * Why not nats.js's ordered consumer: after a NATS server is killed, the others go on placing
 * many new one-replica consumers on the dead server (a third to a half, for minutes: nats-server
 * 2.9.10), and such a creation never answers. The ordered consumer retries it under the same
 * name, which stays placed there, so it waits forever (nats.js 2.29). A creation under a new
 * name is placed afresh: one that has not answered in HEDGE_AFTER_MS is joined by another, the
 * first to answer is used, and the others are removed.
 *
 * The consumer acknowledges nothing: its reader checks the delivery sequence for gaps (a
 * message lost on the way, or delivered to a pull request that had expired) and starts again.
 * Throws a DeadlineError when no creation answered in time.
 */
export async function openHedgedConsumer(js: JetStreamClient, jsm: JetStreamManager, stream: string, start: ConsumerStart): Promise<HedgedConsumer> {
  const deadline = Date.now() + CONSUMER_CALL_TIMEOUT_MS;
  const remove = (name: string): void => void jsm.consumers.delete(stream, name).catch(() => undefined);
  const creations = new Map<string, Promise<ConsumerInfo>>();
  const startAt: Partial<ConsumerConfig> =
    'startSeq' in start ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.startSeq } : { deliver_policy: DeliverPolicy.All, filter_subject: start.filterSubject };
  const create = (): void => {
    const name = `sluice-${randomUUID()}`;
    const config = {
      name,
      ...startAt,
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
    const message = `cannot make a consumer of ${stream}: ${cause.message}`;
    // No server answered (a meta leader being elected, all tries placed on a dead server): a
    // DeadlineError, which callers that retry unanswered NATS calls (checkpoint-store.ts) retry.
    throw cause instanceof DeadlineError || cause instanceof NatsError ? new DeadlineError(message) : new Error(message);
  } finally {
    // Every creation but the one used is removed once it answers or fails: one placed on a dead
    // server may exist once that server is back (else its inactivity removes it).
    for (const [name, creation] of creations) if (name !== used) void creation.finally(() => remove(name)).catch(() => undefined);
  }
}
