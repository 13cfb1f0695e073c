/** Wall-clock time in µs since the epoch, as the schedulers see it. */
export type Clock = () => number;

/**
 * The real clock, or for tests (`SLUICE_TEST_CLOCK_START`, an ISO time) one that starts at
 * that instant and runs at real speed: a test starts the server a second before a scheduled
 * hour instead of waiting for it.
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv): Clock {
  const start = env.SLUICE_TEST_CLOCK_START;
  if (start === undefined || start === '') return () => Date.now() * 1000;
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new Error(`SLUICE_TEST_CLOCK_START is not an ISO time: ${start}`);
  const offsetMs = startMs - Date.now();
  return () => (Date.now() + offsetMs) * 1000;
}
