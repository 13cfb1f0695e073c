import type { BucketRuns } from './buckets.js';
import type { Aggregate, OutputRow } from './aggregates/aggregate.js';
import type { AggregateRows } from './rows.js';

/**
 * One aggregate's partial states for the buckets of one group, ascending by bucket start.
 * Plain arrays of plain states: a shard thread posts it to the coordinator as is.
 */
export interface BucketPartial<S> {
  readonly starts: number[];
  readonly states: S[];
}

export interface FinishedBucket {
  readonly start: number;
  readonly rows: OutputRow[];
}

export function emptyPartial<S>(): BucketPartial<S> {
  return { starts: [], states: [] };
}

/** Index of the first bucket starting at or after `start`. */
function position(starts: readonly number[], start: number): number {
  let lo = 0;
  let hi = starts.length;
  // Blocks usually arrive in time order, so the bucket is almost always the last or new.
  if (hi === 0 || starts[hi - 1]! < start) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fold the runs of one block into `partial`. */
export function accumulate<S>(aggregate: Aggregate<S>, partial: BucketPartial<S>, rows: AggregateRows, runs: BucketRuns): void {
  let from = runs.from;
  for (let r = 0; r < runs.count; r++) {
    const start = runs.starts[r]!;
    const to = runs.ends[r]!;
    const at = position(partial.starts, start);
    if (at === partial.starts.length) {
      partial.starts.push(start);
      partial.states.push(aggregate.empty());
    } else if (partial.starts[at] !== start) {
      partial.starts.splice(at, 0, start);
      partial.states.splice(at, 0, aggregate.empty());
    }
    aggregate.update(partial.states[at]!, rows, from, to);
    from = to;
  }
}

/** Fold a ready state of bucket `start` into `partial`. */
export function accumulateState<S>(aggregate: Aggregate<S>, partial: BucketPartial<S>, start: number, state: S): void {
  const at = position(partial.starts, start);
  if (at === partial.starts.length) {
    partial.starts.push(start);
    partial.states.push(state);
  } else if (partial.starts[at] !== start) {
    partial.starts.splice(at, 0, start);
    partial.states.splice(at, 0, state);
  } else {
    aggregate.merge(partial.states[at]!, state);
  }
}

/** The partial of both inputs' rows; consumes both. */
export function combine<S>(aggregate: Aggregate<S>, a: BucketPartial<S>, b: BucketPartial<S>): BucketPartial<S> {
  const out = emptyPartial<S>();
  let i = 0;
  let j = 0;
  while (i < a.starts.length || j < b.starts.length) {
    const left = i < a.starts.length ? a.starts[i]! : Infinity;
    const right = j < b.starts.length ? b.starts[j]! : Infinity;
    if (left === right) {
      aggregate.merge(a.states[i]!, b.states[j++]!);
      out.starts.push(left);
      out.states.push(a.states[i++]!);
    } else if (left < right) {
      out.starts.push(left);
      out.states.push(a.states[i++]!);
    } else {
      out.starts.push(right);
      out.states.push(b.states[j++]!);
    }
  }
  return out;
}

/** Output rows of every bucket, ascending by start. */
export function finish<S>(aggregate: Aggregate<S>, partial: BucketPartial<S>): FinishedBucket[] {
  return partial.starts.map((start, k) => ({ start, rows: aggregate.finish(partial.states[k]!) }));
}
