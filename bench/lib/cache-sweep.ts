/**
 * A sweep of more memory than the caches hold, as the threads that share a core with the
 * measured one do between two of its requests in the server: what the measured code reads
 * next then comes from memory, as it does there.
 */
export function cacheSweeper(megabytes: number): () => number {
  const sweep = new Float64Array((megabytes << 20) / 8);
  /** Sweeps once; returns the CPU µs it took, for the caller to leave out of its figure. */
  return () => {
    if (sweep.length === 0) return 0;
    const start = process.cpuUsage();
    for (let i = 0; i < sweep.length; i += 8) sweep[i]! += 1;
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
}
