/*
 * `group by time(d)` (query-language.md §9.4): a row at time t falls in the bucket starting
 * at floor(t / d) * d, aligned to the epoch (so 1w buckets start on Thursdays) and a true
 * floor for negative times. Rows arrive sorted by time, so a bucket's rows are one
 * contiguous run, found by search rather than by visiting every row.
 */

/** Runs of consecutive rows sharing a bucket: run r covers rows [ends[r-1] (or from), ends[r]). */
export interface BucketRuns {
  readonly from: number;
  readonly count: number;
  /** Bucket start of each run, µs; 0 for every row without `group by time`. */
  readonly starts: readonly number[];
  /** Exclusive end row of each run. */
  readonly ends: readonly number[];
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
 * First row in [from, to) with time >= t. Gallops from `from` (doubling steps, then binary
 * search), so cutting a block costs O(runs · log(run length)) rather than a look at every row.
 */
function firstAtOrAfter(time: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let step = 1;
  while (lo + step < to && time[lo + step]! < t) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, to);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Cut rows [from, to) of a time-sorted block into bucket runs. `width` null means no
 * `group by time`: one run in bucket 0.
 */
export function bucketRuns(time: Float64Array, from: number, to: number, width: number | null): BucketRuns {
  if (from >= to) return { from, count: 0, starts: [], ends: [] };
  if (width === null) return { from, count: 1, starts: [0], ends: [to] };
  // Plain arrays: a block has few runs, and typed arrays cost far more to allocate.
  const starts: number[] = [];
  const ends: number[] = [];
  let row = from;
  while (row < to) {
    const start = bucketStart(time[row]!, width);
    row = firstAtOrAfter(time, row + 1, to, start + width);
    starts.push(start);
    ends.push(row);
  }
  return { from, count: starts.length, starts, ends };
}
