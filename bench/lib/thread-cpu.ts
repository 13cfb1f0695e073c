/**
 * A server's CPU seconds by thread, from its `/metrics` (`sluice_thread_cpu_seconds_total`):
 * the event loop (`main`), each parse and shard thread, and V8's and libuv's helper threads
 * together (`other`). Read before and after a timed run, it says which thread a workload keeps
 * busy, in µs a point.
 */
import type { BenchClient } from './http.js';
import type { Metric } from './results.js';

export type ThreadSeconds = Map<string, number>;

export async function threadSeconds(client: BenchClient): Promise<ThreadSeconds> {
  const reply = await client.send('GET', '/metrics');
  const seconds: ThreadSeconds = new Map();
  if (reply.status !== 200) return seconds;
  for (const match of reply.body.matchAll(/^sluice_thread_cpu_seconds_total\{thread="([^"]+)"\} (\S+)$/gm)) seconds.set(match[1]!, Number(match[2]));
  return seconds;
}

/** The threads' roles: the name in a metric's name, the threads' names, what the unit says. */
const ROLES = [
  ['Main', /^main$/, 'event loop'],
  ['Parse', /^parse-\d+$/, 'parse threads'],
  ['Shard', /^shard-\d+$/, 'shard threads'],
  ['Other', /^other$/, "V8's and libuv's helper threads"],
] as const;

/** µs a point of each thread between two readings, as `main 0.12, parse-0 0.20, …`. */
export function perThreadLine(before: ThreadSeconds, after: ThreadSeconds, points: number): string {
  return [...after]
    .map(([thread, seconds]) => `${thread} ${(((seconds - (before.get(thread) ?? 0)) / points) * 1e6).toFixed(2)}`)
    .join(', ');
}

/** µs a point by role between readings of one or more servers (summed over servers), as bench metrics named `<prefix><Role>CpuPerPoint`. */
export function perRoleMetrics(pairs: readonly (readonly [ThreadSeconds, ThreadSeconds])[], points: number, prefix: string): Record<string, Metric> {
  const metrics: Record<string, Metric> = {};
  if (pairs.every(([, after]) => after.size === 0)) return metrics;
  for (const [role, pattern, threads] of ROLES) {
    let seconds = 0;
    for (const [before, after] of pairs) for (const [thread, value] of after) if (pattern.test(thread)) seconds += value - (before.get(thread) ?? 0);
    metrics[`${prefix}${role}CpuPerPoint`] = { value: (seconds / points) * 1e6, unit: `µs CPU/point, ${threads}`, higherIsBetter: false };
  }
  return metrics;
}
