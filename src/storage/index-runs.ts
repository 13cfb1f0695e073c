/** An array of numbers `set` and `subarray` work on (every typed array). */
interface RunArray {
  set(from: ArrayLike<number>, at: number): void;
  subarray(start: number, end: number): ArrayLike<number>;
}

/**
 * Copies the elements of `runs` — index pairs [from, to), ascending and apart — of `from` into
 * `to`, one after another; `width` elements per index (2 for an 8-byte slot read as 32-bit words).
 */
export function copyRuns(from: RunArray, to: RunArray, runs: readonly number[], width = 1): void {
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    to.set(from.subarray(width * runs[r]!, width * runs[r + 1]!), width * at);
    at += runs[r + 1]! - runs[r]!;
  }
}

/** How many indexes `runs` holds. */
export function runsLength(runs: readonly number[]): number {
  let length = 0;
  for (let r = 0; r < runs.length; r += 2) length += runs[r + 1]! - runs[r]!;
  return length;
}
