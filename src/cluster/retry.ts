import { setTimeout as sleep } from 'node:timers/promises';
import { StartupError } from '../startup-error.js';

/** How long start-up keeps trying a bucket or stream (a new one elects its leader first). */
const START_DEADLINE_MS = 30_000;

/**
 * Runs `attempt` until it succeeds, pausing `pauseMs` between tries; once the next try would
 * end past `deadline` (ms since the epoch), throws `giveUp(last error)`. For NATS calls that
 * fail while a bucket or stream elects its leader, or while no server is reachable.
 */
export async function retryUntil<T>(
  deadline: number,
  pauseMs: number,
  attempt: () => Promise<T>,
  giveUp: (err: unknown) => Error,
  onFirstFailure?: (err: unknown) => void,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() + pauseMs >= deadline) throw giveUp(err);
      if (tries === 1) onFirstFailure?.(err);
      await sleep(pauseMs);
    }
  }
}

/** Start-up's tries: again until the buckets answer, then a start-up failure naming `failure`. */
export function untilStarted<T>(failure: string, attempt: () => Promise<T>): Promise<T> {
  return retryUntil(Date.now() + START_DEADLINE_MS, 200, attempt, (err) => new StartupError(`${failure}: ${(err as Error).message}`));
}
