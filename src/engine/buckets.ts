import { timeZonesOf, type TimeZones } from '../storage/zone-map.js';
import { floorToMultiple } from '../util/floor-multiple.js';

/*
 * `group by time(d)` (query-language.md §9.4): a row at time t falls in the bucket starting
 * at floor(t / d) * d, aligned to the epoch (so 1w buckets start on Thursdays) and a true
 * floor for negative times. Rows arrive sorted by time, so a bucket's rows are one
 * contiguous run, found by search rather than by visiting every row.
 */

/**
 * Runs of consecutive rows sharing a bucket: run r covers rows [ends[r-1] (or from), ends[r]).
 * Only the first `count` entries of `starts` and `ends` are runs: lent arrays may hold more.
 */
export interface BucketRuns {
  readonly from: number;
  readonly count: number;
  /** Bucket start of each run, µs; 0 for every row without `group by time`. */
  readonly starts: readonly number[];
  /** Exclusive end row of each run. */
  readonly ends: readonly number[];
}

/**
 * Arrays a caller lends bucketRuns to fill instead of allocating two per block: the runs it
 * returns then last only until the next call that lends them.
 */
export interface RunArrays {
  readonly starts: number[];
  readonly ends: number[];
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
export const bucketStart: (t: number, width: number) => number = floorToMultiple;

/**
 * First row in [from, to) with time >= t. Starts where the times would put it if evenly spaced
 * (metrics usually are: then the guess is right, and costs two reads), and otherwise gallops
 * from the guess (doubling steps, then binary search), so cutting a block costs
 * O(runs · log(run length)) at worst rather than a look at every row. Each read of a block
 * that scans find cold in memory is a cache miss, so the reads, not the arithmetic, are what
 * this saves.
 */
function firstAtOrAfter(time: Float64Array, from: number, to: number, t: number): number {
  if (from >= to || time[from]! >= t) return from;
  const last = to - 1;
  if (time[last]! < t) return to;
  // time[from] < t <= time[last]: the answer lies in (from, last].
  const span = time[last]! - time[from]!;
  let guess = from + 1 + Math.floor(((t - time[from]!) / span) * (last - from));
  if (!(guess <= last)) guess = last;
  if (time[guess]! >= t) {
    if (time[guess - 1]! < t) return guess;
    return gallopDown(time, from, guess, t);
  }
  return gallopUp(time, guess, last, t);
}

/** With time[lo] < t <= time[hi]: the first row in (lo, hi] with time >= t, gallops up from lo. */
function gallopUp(time: Float64Array, lo: number, hi: number, t: number): number {
  let step = 1;
  while (lo + step < hi && time[lo + step]! < t) {
    lo += step;
    step *= 2;
  }
  return search(time, lo + 1, Math.min(lo + step, hi), t);
}

/** With time[lo] < t <= time[hi]: the first row in (lo, hi] with time >= t, gallops down from hi. */
function gallopDown(time: Float64Array, lo: number, hi: number, t: number): number {
  let step = 1;
  while (hi - step > lo && time[hi - step]! >= t) {
    hi -= step;
    step *= 2;
  }
  return search(time, Math.max(hi - step, lo) + 1, hi, t);
}

/** The first row in [lo, hi] with time >= t, given time[hi] >= t. */
function search(time: Float64Array, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bucket runs of a whole cached block whose zones each lie in one bucket (the width is a
 * multiple of the zone length): read from the zones' start times, without a look at the rows.
 */
function zoneRuns(zones: TimeZones, width: number, starts: number[], ends: number[]): BucketRuns {
  const { edges, starts: zoneStarts } = zones;
  let count = 0;
  let bucket = bucketStart(zoneStarts[0]!, width);
  // Zone starts ascend: a zone is in the current bucket while it starts before the bucket's end.
  let bucketEnd = bucket + width;
  for (let z = 1; z < zoneStarts.length; z++) {
    if (zoneStarts[z]! < bucketEnd) continue;
    starts[count] = bucket;
    ends[count] = edges[z]!;
    count++;
    bucket = bucketStart(zoneStarts[z]!, width);
    bucketEnd = bucket + width;
  }
  starts[count] = bucket;
  ends[count] = edges[edges.length - 1]!;
  return { from: 0, count: count + 1, starts, ends };
}

/**
 * Cut rows [from, to) of a time-sorted block into bucket runs. `width` null means no
 * `group by time`: one run in bucket 0.
 */
export function bucketRuns(time: Float64Array, from: number, to: number, width: number | null, into?: RunArrays): BucketRuns {
  if (from >= to) return { from, count: 0, starts: [], ends: [] };
  if (width === null) return { from, count: 1, starts: [0], ends: [to] };
  // Plain arrays: a block has few runs, and typed arrays cost far more to allocate.
  const starts = into?.starts ?? [];
  const ends = into?.ends ?? [];
  // Written by index and counted, not emptied first: setting an array's length is a call into
  // the runtime, which cost more than cutting the block.
  const zones = timeZonesOf(time);
  if (zones !== undefined && from === 0 && to === zones.edges[zones.edges.length - 1] && width % zones.span === 0) {
    return zoneRuns(zones, width, starts, ends);
  }
  let count = 0;
  let row = from;
  while (row < to) {
    const start = bucketStart(time[row]!, width);
    row = firstAtOrAfter(time, row + 1, to, start + width);
    starts[count] = start;
    ends[count] = row;
    count++;
  }
  return { from, count, starts, ends };
}
