/*
 * `group by time(d)` (query-language.md §9.4): a row at time t falls in the bucket starting
 * at floor(t / d) * d, aligned to the epoch (so 1w buckets start on Thursdays) and a true
 * floor for negative times. Rows arrive sorted by time, so a bucket's rows are one
 * contiguous run and a block is cut into runs with one comparison per row.
 */

/** Runs of consecutive rows sharing a bucket: run r covers rows [ends[r-1] (or from), ends[r]). */
export interface BucketRuns {
  readonly from: number;
  readonly count: number;
  /** Bucket start of each run, µs; 0 for every row without `group by time`. */
  readonly starts: Float64Array;
  /** Exclusive end row of each run. */
  readonly ends: Uint32Array;
}

/**
 * Bucket width in µs from a `time(...)` duration in nanoseconds (how the parser keeps it);
 * widths under 1 µs act as 1 µs (§9.4), since stored time has no finer grain.
 */
export function bucketWidthMicros(nanoseconds: bigint): number {
  const micros = Number(nanoseconds / 1000n);
  return micros < 1 ? 1 : micros;
}

/** Start of the bucket holding time `t` (µs), for a width of `width` µs. */
export function bucketStart(t: number, width: number): number {
  let start = Math.floor(t / width) * width;
  // The float division can round across an integer boundary for large t; step back in.
  if (start > t) start -= width;
  else if (start + width <= t) start += width;
  return start;
}

/**
 * Cut rows [from, to) of a time-sorted block into bucket runs. `width` null means no
 * `group by time`: one run in bucket 0.
 */
export function bucketRuns(time: Float64Array, from: number, to: number, width: number | null): BucketRuns {
  if (from >= to) return { from, count: 0, starts: new Float64Array(0), ends: new Uint32Array(0) };
  if (width === null) return { from, count: 1, starts: new Float64Array(1), ends: Uint32Array.of(to) };
  const first = bucketStart(time[from]!, width);
  const last = bucketStart(time[to - 1]!, width);
  const most = Math.min(to - from, (last - first) / width + 1);
  const starts = new Float64Array(most);
  const ends = new Uint32Array(most);
  let count = 0;
  let row = from;
  while (row < to) {
    const start = bucketStart(time[row]!, width);
    const end = start + width;
    row++;
    while (row < to && time[row]! < end) row++;
    starts[count] = start;
    ends[count] = row;
    count++;
  }
  return { from, count, starts, ends };
}
