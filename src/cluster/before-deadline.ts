import { setTimeout as sleep } from 'node:timers/promises';

/** A NATS call that did not answer before its deadline (it may still take effect later). */
export class DeadlineError extends Error {}

/**
 * `work`, or a DeadlineError once `deadline` (ms since the epoch) passes: for NATS calls that
 * have no timeout of their own, or wait out reconnections unbounded.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const timer = new AbortController();
  const expired = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: timer.signal }).then(() => {
    throw new DeadlineError('no answer from NATS in time');
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    timer.abort();
    expired.catch(() => undefined);
  }
}
