import type { ByteReader, ByteWriter } from './block-bytes.js';
import { SegmentCorruptError } from './compression.js';
import { gcd, unzigzag, zigzag } from './zigzag.js';
import { LentRows } from '../util/lent-rows.js';

/**
 * Zig-zag steps that are mostly one value, with the others drawn from a few: a series'
 * sequence numbers when concurrent requests interleave (runs of +1 inside a request, then a
 * jump of a few requests back or forth), or times with rare gaps. Stored as the common step,
 * a table of the other steps, and two byte planes: the length of each run of the common step
 * and the table index of the step that ends it. The planes are parts of their own, so each
 * gets a Huffman code of its few symbols; on the peer bench's sequence numbers this takes a
 * quarter fewer bytes than varints of the steps (bench/disk-bytes.ts).
 *
 * The table is sorted by step and stored as its smallest step, the greatest common divisor of
 * the gaps between steps (the stride), and each gap in strides. A series' jumps are whole
 * requests' worth of sequence numbers (on the peer bench, 5000 × k − 4 for a few dozen k), so
 * each entry takes a byte instead of two or three: 30–70 bytes less per block of 1024 rows,
 * 0.03–0.07 bytes a point. The order of the table does not matter to the index plane, whose
 * Huffman code depends only on how often each index occurs.
 *
 *     varint common  varint table size  [varint zig-zag smallest  varint stride  varint gap…]
 *     varint run count  runs plane  index plane
 *
 * The layout before (block mode 6, still read) listed the table's zig-zag steps one by one.
 */
const MAX_TABLE = 256;
const MAX_RUN = 255;
/**
 * Runs pay only when most steps repeat the one before; below this share of repeats the steps
 * are not counted at all, which keeps noisy values from costing a hash map per block.
 */
const MIN_REPEATS = 0.25;

export interface StepRuns {
  readonly common: number;
  readonly table: readonly number[];
  /** Runs of the common step; each but the last is ended by one step from the table. */
  readonly runs: Uint8Array;
  readonly indices: Uint8Array;
}

/** The steps as runs, or null when they do not fit: too many other steps, or too long a run. */
export function stepRuns(steps: Float64Array): StepRuns | null {
  if (steps.length === 0) return null;
  let repeats = 0;
  for (let i = 1; i < steps.length; i++) if (steps[i] === steps[i - 1]) repeats++;
  if (repeats < MIN_REPEATS * (steps.length - 1)) return null;
  // Counted a run of equal steps at a time (mostly runs of the common step), in a small table
  // of their own: a Map keyed by these float64 steps spent most of this function hashing them.
  const distinct = scratchCounts.cleared();
  for (let start = 0; start < steps.length; ) {
    const step = steps[start]!;
    let end = start + 1;
    while (end < steps.length && steps[end] === step) end++;
    distinct.add(step, end - start);
    if (distinct.size > MAX_TABLE + 1) return null;
    start = end;
  }
  const common = distinct.mostCounted();
  const table = distinct.stepsOtherThan(common).sort((a, b) => unzigzag(a) - unzigzag(b));
  table.forEach((step, i) => distinct.setIndex(step, i));
  // Scratch rows, copied out at their length (a typed array made per call cost more than the loop).
  const runs = scratchRuns.rowsOf(steps.length + 1);
  const indices = scratchIndices.rowsOf(steps.length);
  let runCount = 0;
  let run = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i] === common) {
      if (++run > MAX_RUN) return null;
      continue;
    }
    indices[runCount] = distinct.indexOf(steps[i]!);
    runs[runCount++] = run;
    run = 0;
  }
  runs[runCount] = run;
  return { common, table, runs: runs.slice(0, runCount + 1), indices: indices.slice(0, runCount) };
}

/** Slots of StepCounts: a power of two, over twice the most distinct steps a table may hold. */
const SLOTS = 1024;

/**
 * Counts of distinct steps (non-negative integers below 2^53), open-addressed by their low 32
 * bits: at most MAX_TABLE + 2 of them are ever added, so probes stay short.
 */
class StepCounts {
  private readonly keys = new Float64Array(SLOTS);
  private readonly counts = new Int32Array(SLOTS);
  private readonly used = new Uint8Array(SLOTS);
  private order: number[] = [];
  size = 0;

  /** This table emptied, for the next run of steps (its arrays are kept: one per thread). */
  cleared(): this {
    for (const slot of this.order) {
      this.used[slot] = 0;
      this.counts[slot] = 0;
    }
    this.order = [];
    this.size = 0;
    return this;
  }

  add(step: number, count: number): void {
    const slot = this.slotOf(step);
    if (this.used[slot] === 0) {
      this.used[slot] = 1;
      this.keys[slot] = step;
      this.order.push(slot);
      this.size++;
    }
    this.counts[slot]! += count;
  }

  /** The step counted most; of equal counts, the one added first. */
  mostCounted(): number {
    let best = this.order[0]!;
    for (const slot of this.order) if (this.counts[slot]! > this.counts[best]!) best = slot;
    return this.keys[best]!;
  }

  stepsOtherThan(step: number): number[] {
    return this.order.map((slot) => this.keys[slot]!).filter((other) => other !== step);
  }

  /** Reuses the count of a step as its index in the table, once counting is over. */
  setIndex(step: number, index: number): void {
    this.counts[this.slotOf(step)] = index;
  }

  indexOf(step: number): number {
    return this.counts[this.slotOf(step)]!;
  }

  private slotOf(step: number): number {
    // `| 0` keeps the low 32 bits of the integer (an fmod was the slowest line of stepRuns).
    let slot = Math.imul(step | 0, 0x9e3779b1) >>> 22;
    while (this.used[slot] === 1 && this.keys[slot] !== step) slot = (slot + 1) & (SLOTS - 1);
    return slot;
  }
}

const scratchCounts = new StepCounts();
const scratchRuns = new LentRows((n) => new Uint8Array(n));
const scratchIndices = new LentRows((n) => new Uint8Array(n));

/** Bytes the runs take before compression, to weigh them against other packings. */
export function stepRunsBytes(runs: StepRuns): number {
  return 2 * runs.runs.length + 3 * runs.table.length + 4;
}

export function writeStepRuns(out: ByteWriter, runs: StepRuns): void {
  out.varint(runs.common);
  out.varint(runs.table.length);
  const steps = runs.table.map(unzigzag);
  if (steps.length > 0) {
    let stride = 0;
    for (let i = 1; i < steps.length; i++) stride = gcd(steps[i]! - steps[i - 1]!, stride);
    out.varint(zigzag(steps[0]!));
    out.varint(stride);
    for (let i = 1; i < steps.length; i++) out.varint((steps[i]! - steps[i - 1]!) / stride);
  }
  out.varint(runs.runs.length);
  out.plane(runs.runs);
  if (runs.indices.length > 0) out.plane(runs.indices);
}

/**
 * Fill `target` with the values whose zig-zag steps writeStepRuns wrote: target[0] is `first`,
 * each next value the previous plus its step times `divisor`. `layout` is the table's: spaced
 * (smallest, stride, gaps) or listed (block mode 6).
 */
export function readStepRuns(input: ByteReader, target: Float64Array, first: number, divisor: number, layout: 'spaced' | 'listed'): void {
  const common = unzigzag(input.varint());
  const table = new Float64Array(input.varint());
  if (table.length > MAX_TABLE) throw new SegmentCorruptError(`step table of ${table.length} entries`);
  if (layout === 'listed') for (let i = 0; i < table.length; i++) table[i] = unzigzag(input.varint());
  else if (table.length > 0) {
    table[0] = unzigzag(input.varint());
    const stride = input.varint();
    if (stride === 0 && table.length > 1) throw new SegmentCorruptError('step table with a stride of 0');
    for (let i = 1; i < table.length; i++) table[i] = table[i - 1]! + input.varint() * stride;
  }
  const runCount = input.varint();
  if (runCount === 0) throw new SegmentCorruptError('step runs without a run');
  const runs = input.bytesOf(runCount);
  const indices = input.bytesOf(runCount - 1);
  const n = target.length;
  let row = 1;
  let acc = 0;
  target[0] = first;
  for (let r = 0; r < runCount; r++) {
    const end = row + runs[r]!;
    if (end > n) throw new SegmentCorruptError('step runs overrun their rows');
    for (; row < end; row++) target[row] = first + (acc += common) * divisor;
    if (r === runCount - 1) break;
    const index = indices[r]!;
    if (index >= table.length || row >= n) throw new SegmentCorruptError('step run ends in a step outside its table or rows');
    target[row++] = first + (acc += table[index]!) * divisor;
  }
  if (row !== n) throw new SegmentCorruptError('step runs do not cover their rows');
}
