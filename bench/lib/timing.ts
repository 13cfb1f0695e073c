/**
 * CPU nanoseconds per call of `run`: the best of `rounds` rounds of `calls` calls after a
 * warm-up. CPU time rather than wall time, and the best round, because on a shared machine
 * the wall clock mostly measures the other processes.
 */
export function bestNanos(run: () => void, calls: number, rounds = 15): number {
  for (let i = 0; i < calls; i++) run();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) run();
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1e3) / calls);
  }
  return best;
}

/** The middle value (the upper of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[sorted.length >> 1]!;
}

/** The value below which `p` % of `values` lie (nearest rank, rounding down); 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
