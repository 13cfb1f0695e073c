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

/** The threads' roles: the event loop, parse threads, shard threads, the rest. */
const ROLES = [
  ['main', /^main$/],
  ['parse', /^parse-\d+$/],
  ['shard', /^shard-\d+$/],
  ['other', /^other$/],
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
  for (const [role, pattern] of ROLES) {
    let seconds = 0;
    for (const [before, after] of pairs) for (const [thread, value] of after) if (pattern.test(thread)) seconds += value - (before.get(thread) ?? 0);
    const name = `${prefix}${role[0]!.toUpperCase()}${role.slice(1)}CpuPerPoint`;
    metrics[name] = { value: (seconds / points) * 1e6, unit: `µs CPU/point, ${role === 'main' ? 'event loop' : role === 'other' ? "V8's and libuv's helper threads" : `${role} threads`}`, higherIsBetter: false };
  }
  return metrics;
}
