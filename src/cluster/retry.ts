import { setTimeout as sleep } from 'node:timers/promises';

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
