import { copyRuns } from './index-runs.js';
import type { ArrayCarver } from './row-slab.js';
import { isExactDecimal, MAX_DECIMALS, MAX_PACKABLE } from './exact-decimals.js';

/**
 * Numbers held in 2 or 4 bytes each instead of 8, as `(base + steps[i] × unit) / divisor`,
 * when that gives back every value exactly; otherwise the values as they are.
 *
 * - Times and sequence numbers (`packNumbers`, divisor 1): a memtable chunk's times and
 *   sequence numbers were 16 of the 24 bytes a float point cost it, and both are integers that
 *   span little within one seal: times a few minutes of microseconds, or whole seconds or
 *   milliseconds apart, sequence numbers a few hundred thousand points' ordinals × 10000.
 * - Float values (`packDecimals`, unit 1): metric values are mostly decimals of a few digits,
 *   and within one seal a series' values span a few thousand hundredths, where the 8 bytes of
 *   a float were half of what a point cost the memtable once its times were packed. A decimal
 *   n / 10^k is given back bit for bit by dividing the integers, as IEEE division rounds
 *   correctly; every value is checked when packed, so −0, NaN, infinities and values with
 *   more digits keep their 8 bytes.
 */
export type PackedNumbers = Float64Array | Steps;

interface Steps {
  readonly base: number;
  readonly unit: number;
  /** 1 for integers; 10^k for decimals of k digits. */
  readonly divisor: number;
  readonly steps: Uint16Array | Uint32Array;
}

/** Units tried, largest first: seconds or milliseconds in microseconds, the sequence stride. */
const UNITS = [1_000_000, 10_000, 1_000, 1] as const;
const MAX_STEP = 0xffff_ffff;
const MAX_SHORT_STEP = 0xffff;

/** `values` packed into arrays from `arrays` (a copy: `values` may be reused after). */
export function packNumbers(values: Float64Array, arrays: ArrayCarver): PackedNumbers {
  return integerSteps(values, unitOf, 1, arrays) ?? copied(values, arrays);
}

/**
 * Floats (none null) packed as decimals, in arrays from `arrays`; null when some value is not
 * a decimal of at most MAX_DECIMALS digits that comes back exactly, or they span more than 32
 * bits of steps (the caller keeps them as they are).
 */
export function packDecimals(values: Float64Array, arrays: ArrayCarver): PackedNumbers | null {
  const n = values.length;
  if (n === 0) return null;
  if (scaledScratch.length < n) scaledScratch = new Float64Array(Math.max(n, 2 * scaledScratch.length));
  const scaled = scaledScratch.subarray(0, n);
  let k = 0;
  let divisor = 1;
  /** Values before this one were scaled by fewer decimals: checked again at the end. */
  let scaledFrom = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let s = Math.round(v * divisor);
    // isExactDecimal inline: one rounding and one division a value (the unpacker's own).
    while (s / divisor !== v || !(Math.abs(s) <= MAX_PACKABLE) || (v === 0 && 1 / v < 0)) {
      if (++k > MAX_DECIMALS) return null;
      divisor = 10 ** k;
      s = Math.round(v * divisor);
      scaledFrom = i;
    }
    scaled[i] = s;
  }
  for (let i = 0; i < scaledFrom; i++) {
    const v = values[i]!;
    if (!isExactDecimal(v, divisor)) return null;
    scaled[i] = Math.round(v * divisor);
  }
  // Whole numbers within ±2^52 already: steps of 1 give each back, and no larger unit is looked for.
  return integerSteps(scaled, () => 1, divisor, arrays);
}

/**
 * `values` as base + steps × unit (then divided by `divisor`), in the unit `unitFor` finds
 * (0: none gives every value back), as 16- or 32-bit steps; null when there is no unit or the
 * values span more than 32 bits of steps.
 */
function integerSteps(values: Float64Array, unitFor: (values: Float64Array, base: number) => number, divisor: number, arrays: ArrayCarver): PackedNumbers | null {
  const n = values.length;
  let base = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < base) base = v;
    if (v > max) max = v;
  }
  const unit = n === 0 ? 1 : unitFor(values, base);
  if (unit === 0 || (max - base) / unit > MAX_STEP) return null;
  const steps = (max - base) / unit <= MAX_SHORT_STEP ? arrays.u16(n) : arrays.u32(n);
  for (let i = 0; i < n; i++) steps[i] = (values[i]! - base) / unit;
  return { base, unit, divisor, steps };
}

/** packDecimals' scaled values, kept from call to call (a thread packs one column at a time). */
let scaledScratch = new Float64Array(1024);

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
  const { base, unit, divisor, steps } = packed;
  if (divisor === 1) for (let i = 0; i < steps.length; i++) target[i] = base + steps[i]! * unit;
  else for (let i = 0; i < steps.length; i++) target[i] = (base + steps[i]!) / divisor;
}

export function packedBytes(packed: PackedNumbers): number {
  return packed instanceof Float64Array ? packed.byteLength : packed.steps.byteLength;
}

/** The value at `i`, read in place. */
export function packedAt(packed: PackedNumbers, i: number): number {
  return packed instanceof Float64Array ? packed[i]! : (packed.base + packed.steps[i]! * packed.unit) / packed.divisor;
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
 * arrays from `arrays`: the base, unit and divisor that held every value hold any of them.
 */
export function keptRuns(packed: PackedNumbers, runs: readonly number[], kept: number, arrays: ArrayCarver): PackedNumbers {
  if (packed instanceof Float64Array) {
    const values = arrays.floats(kept);
    copyRuns(packed, values, runs);
    return values;
  }
  const steps = packed.steps instanceof Uint16Array ? arrays.u16(kept) : arrays.u32(kept);
  copyRuns(packed.steps, steps, runs);
  return { base: packed.base, unit: packed.unit, divisor: packed.divisor, steps };
}
