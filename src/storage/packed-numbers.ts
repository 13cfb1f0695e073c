import { copyRuns } from './index-runs.js';
import type { ArrayCarver } from './row-slab.js';

/**
 * Integers held in 4 bytes each instead of 8: `base + steps[i] × unit`, when that gives back
 * every value exactly; otherwise the values as they are. A memtable chunk's times and sequence
 * numbers were 16 of the 24 bytes a float point costs it, and both are integers that span
 * little within one seal: times a few minutes of microseconds, or whole seconds or
 * milliseconds apart, sequence numbers a few hundred thousand points' ordinals × 10000.
 */
export type PackedNumbers = Float64Array | Steps;

interface Steps {
  readonly base: number;
  readonly unit: number;
  readonly steps: Uint32Array;
}

/** Units tried, largest first: seconds or milliseconds in microseconds, the sequence stride. */
const UNITS = [1_000_000, 10_000, 1_000, 1] as const;
const MAX_STEP = 0xffff_ffff;

/** `values` packed into arrays from `arrays` (a copy: `values` may be reused after). */
export function packNumbers(values: Float64Array, arrays: ArrayCarver): PackedNumbers {
  const n = values.length;
  let base = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < base) base = v;
    if (v > max) max = v;
  }
  const unit = n === 0 ? 1 : unitOf(values, base);
  if (unit === 0 || (max - base) / unit > MAX_STEP) return copied(values, arrays);
  const steps = arrays.u32(n);
  for (let i = 0; i < n; i++) steps[i] = (values[i]! - base) / unit;
  return { base, unit, steps };
}

/**
 * The largest unit every value is a whole number of units from `base` in, and given back
 * exactly by base + steps × unit; 0 when there is none (fractions, NaN, or rounding past
 * 2^53). Each unit divides the one before it, so a value that moves the search to a smaller
 * unit leaves the values before it whole multiples. Division, not `%`: a float remainder is
 * a library call, several times the cost of the rest of the loop.
 */
function unitOf(values: Float64Array, base: number): number {
  let u = 0;
  let unit: number = UNITS[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let step = (v - base) / unit;
    while (step !== Math.floor(step) || base + step * unit !== v) {
      if (++u === UNITS.length) return 0;
      unit = UNITS[u]!;
      step = (v - base) / unit;
    }
  }
  return unit;
}

function copied(values: Float64Array, arrays: ArrayCarver): Float64Array {
  const copy = arrays.floats(values.length);
  copy.set(values);
  return copy;
}

/** The packed values, written into `target` (of their length). */
export function unpackNumbers(packed: PackedNumbers, target: Float64Array): void {
  if (packed instanceof Float64Array) {
    target.set(packed);
    return;
  }
  const { base, unit, steps } = packed;
  for (let i = 0; i < steps.length; i++) target[i] = base + steps[i]! * unit;
}

export function packedBytes(packed: PackedNumbers): number {
  return packed instanceof Float64Array ? packed.byteLength : packed.steps.byteLength;
}

/** The value at `i`, read in place. */
export function packedAt(packed: PackedNumbers, i: number): number {
  return packed instanceof Float64Array ? packed[i]! : packed.base + packed.steps[i]! * packed.unit;
}

/** The first index of the `n` ascending values at which the value is `value` or more (`n` if none). */
export function firstAtOrAbove(packed: PackedNumbers, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (packedAt(packed, mid) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The values of `runs` (index pairs [from, to), ascending and apart) packed as before, in
 * arrays from `arrays`: the base and unit that held every value hold any of them.
 */
export function keptRuns(packed: PackedNumbers, runs: readonly number[], kept: number, arrays: ArrayCarver): PackedNumbers {
  if (packed instanceof Float64Array) {
    const values = arrays.floats(kept);
    copyRuns(packed, values, runs);
    return values;
  }
  const steps = arrays.u32(kept);
  copyRuns(packed.steps, steps, runs);
  return { base: packed.base, unit: packed.unit, steps };
}
