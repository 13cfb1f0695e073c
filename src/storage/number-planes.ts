import type { ByteReader, ByteWriter } from './block-bytes.js';
import { SegmentCorruptError } from './compression.js';
import { readStepRuns, stepRuns, stepRunsBytes, writeStepRuns } from './step-runs.js';
import { gcd, unzigzag, zigzag } from './zigzag.js';
import { writeVarint } from './varint.js';
import { LentRows } from '../util/lent-rows.js';

/**
 * A run of float64 values in a block body of codec 2, packed losslessly. When every value is
 * an integer within ±2^52 (times, sequence numbers, ints, scaled decimals, bools), the run is
 * first divided by the greatest common divisor of its steps from the first value (a server's
 * sequence numbers step by 10,000), then stored as one of:
 *
 *     STEP    every step the same (evenly spaced times): no bytes beyond the header
 *     OFFSETS value − minimum, in byte planes
 *     DELTAS  zig-zag step from the previous value, in byte planes
 *     MEANS   zig-zag difference from the mean of the four previous values (rounded down; the
 *             first three rows from the previous value), in byte planes: for noise around a
 *             slow trend, whose steps are the difference of two noises, about 2 % fewer bytes
 *             (bench/disk-bytes.ts); chosen per run when its residues take fewer bits
 *     RUNS    steps mostly one value, the rest from a small table (step-runs.ts; mode 6 is the
 *             table layout before 2026-12-04, still read)
 *     VARINTS zig-zag steps as varints: mostly tiny steps with some larger ones
 *     RAW     anything else, as float64
 *
 * Byte planes — the low bytes of every value, then the next bytes — each start a part of the
 * body that the block codec compresses on its own: for two-decimal noise the low plane is
 * nearly uniform while the high plane holds a few symbols, and one Huffman code over both
 * wastes about a sixth of the bytes (bench/disk-bytes.ts).
 *
 *     u8 mode  [varint divisor  varint zig-zag first]  then per mode:
 *     STEP varint zig-zag step | OFFSETS varint min, u8 width, planes | DELTAS, MEANS u8 width,
 *     planes | RUNS step-runs.ts | VARINTS varint byte length, bytes | RAW aligned float64 × count
 */
const RAW = 0;
const STEP = 1;
const OFFSETS = 2;
const DELTAS = 3;
const VARINTS = 4;
const MEANS = 5;
/** Runs whose table is listed step by step (written before 2026-12-04; still read). */
const RUNS_LISTED = 6;
/** Runs whose table is sorted and stored as its smallest step, a stride and gaps in strides. */
const RUNS = 7;
/** MEANS sums four scaled values in int32 arithmetic, the fastest to undo. */
const MAX_MEANS_MAGNITUDE = 2 ** 28;
const MAX_PACKABLE = 2 ** 52;
/** Widest plane-packed value; wider runs are stored raw. */
const MAX_PLANES = 4;
/** VARINTS is chosen over planes when its stream is at most this share of the planes' bytes. */
const VARINT_SHARE = 0.75;

export function writeNumbers(out: ByteWriter, values: Float64Array): void {
  const n = values.length;
  if (n > 1 && isPackable(values[0]!) && allEqual(values)) {
    // What the general path below writes for one value repeated (a tag's string indices), without its passes.
    header(out, STEP, 1, values[0]!);
    out.varint(zigzag(0));
    return;
  }
  const divisor = packableDivisor(values);
  if (divisor === 0) {
    out.u8(RAW);
    out.aligned(values);
    return;
  }
  const first = n > 0 ? values[0]! : 0;
  // Exact: every value differs from the first by a multiple of the divisor.
  const scaled = scratch.scaled.rowsOf(n);
  let min = 0;
  let max = 0;
  let stepMin = Infinity;
  let stepMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = (scaled[i] = (values[i]! - first) / divisor);
    if (v < min) min = v;
    if (v > max) max = v;
    if (i > 0) {
      const step = v - scaled[i - 1]!;
      if (step < stepMin) stepMin = step;
      if (step > stepMax) stepMax = step;
    }
  }
  if (n < 2 || stepMin === stepMax) {
    header(out, STEP, divisor, first);
    out.varint(zigzag(n < 2 ? 0 : stepMin));
    return;
  }
  const offsetWidth = widthFor(max - min);
  const zigzagMax = Math.max(zigzag(stepMin), zigzag(stepMax));
  const deltaWidth = widthFor(zigzagMax);
  if (Math.min(offsetWidth, deltaWidth) > MAX_PLANES) {
    out.u8(RAW);
    out.aligned(values);
    return;
  }
  if (offsetWidth < deltaWidth) {
    header(out, OFFSETS, divisor, first);
    out.varint(-min);
    out.u8(offsetWidth);
    writePlanes(out, scaled, -min, offsetWidth);
    return;
  }
  const steps = scratch.steps.rowsOf(n - 1);
  let varintBytes = 0;
  for (let i = 1; i < n; i++) varintBytes += varintLength((steps[i - 1] = zigzag(scaled[i]! - scaled[i - 1]!)));
  const runs = stepRuns(steps);
  if (runs !== null && stepRunsBytes(runs) < Math.min(varintBytes, deltaWidth * (n - 1))) {
    header(out, RUNS, divisor, first);
    writeStepRuns(out, runs);
    return;
  }
  if (deltaWidth > 1 && varintBytes <= VARINT_SHARE * deltaWidth * (n - 1)) {
    header(out, VARINTS, divisor, first);
    out.varint(varintBytes);
    const stream = new Uint8Array(varintBytes);
    for (let i = 0, at = 0; i < n - 1; i++) at = writeVarint(stream, at, steps[i]!);
    out.plane(stream);
    return;
  }
  const means = meanResidues(scaled, min, max);
  if (means !== null && bitCost(means.residues) < bitCost(steps)) {
    header(out, MEANS, divisor, first);
    out.u8(means.width);
    writePlanes(out, means.residues, 0, means.width);
    return;
  }
  header(out, DELTAS, divisor, first);
  out.u8(deltaWidth);
  writePlanes(out, steps, 0, deltaWidth);
}

/** The zig-zag residues of MEANS for rows 1…, or null when they or the sums would not fit. */
function meanResidues(scaled: Float64Array, min: number, max: number): { residues: Float64Array; width: number } | null {
  if (Math.max(-min, max) > MAX_MEANS_MAGNITUDE) return null;
  const residues = scratch.residues.rowsOf(scaled.length - 1);
  let widest = 0;
  for (let i = 1; i < scaled.length; i++) {
    const predicted = i < 4 ? scaled[i - 1]! : (scaled[i - 1]! + scaled[i - 2]! + scaled[i - 3]! + scaled[i - 4]!) >> 2;
    const z = (residues[i - 1] = zigzag(scaled[i]! - predicted));
    if (z > widest) widest = z;
  }
  const width = widthFor(widest);
  return width <= MAX_PLANES ? { residues, width } : null;
}

/** About the bits the words take: the sum of their bit lengths. */
function bitCost(words: Float64Array): number {
  let bits = 0;
  for (let i = 0; i < words.length; i++) bits += 32 - Math.clz32(words[i]!);
  return bits;
}

/** Fill `target` with the values writeNumbers wrote for an array of its length. */
export function readNumbers(input: ByteReader, target: Float64Array): void {
  const n = target.length;
  const mode = input.u8();
  if (mode === RAW) {
    target.set(new Float64Array(input.buffer, input.alignedSection(8 * n), n));
    return;
  }
  const divisor = input.varint();
  const first = unzigzag(input.varint());
  if (n === 0) return void (mode === STEP ? input.varint() : undefined);
  if (mode === STEP) {
    const step = unzigzag(input.varint()) * divisor;
    for (let i = 0; i < n; i++) target[i] = first + i * step;
    return;
  }
  if (mode === VARINTS) return readVarintSteps(input.bytesOf(input.varint()), target, first, divisor);
  if (mode === RUNS || mode === RUNS_LISTED) return readStepRuns(input, target, first, divisor, mode === RUNS ? 'spaced' : 'listed');
  if (mode !== OFFSETS && mode !== DELTAS && mode !== MEANS) throw new SegmentCorruptError(`unknown number packing mode ${mode}`);
  const offset = mode === OFFSETS ? first - input.varint() * divisor : first;
  const width = input.u8();
  if (width < 1 || width > MAX_PLANES) throw new SegmentCorruptError(`unknown number plane width ${width}`);
  const rows = mode === OFFSETS ? n : n - 1;
  // Each plane read in place; one pass joins them, undoes zig-zag or offset and sums steps,
  // on int32 bits since every stored word is below 2^32.
  const low = input.bytesOf(rows);
  const second = width > 1 ? input.bytesOf(rows) : ZERO.subarray(0, 0);
  const third = width > 2 ? input.bytesOf(rows) : ZERO.subarray(0, 0);
  const fourth = width > 3 ? input.bytesOf(rows) : ZERO.subarray(0, 0);
  if (mode === OFFSETS) {
    if (width === 1) for (let i = 0; i < n; i++) target[i] = offset + low[i]! * divisor;
    else if (width === 2) for (let i = 0; i < n; i++) target[i] = offset + (low[i]! | (second[i]! << 8)) * divisor;
    else for (let i = 0; i < n; i++) target[i] = offset + wordAt(low, second, third, fourth, i) * divisor;
    return;
  }
  if (mode === MEANS) {
    // The four previous scaled values, oldest first.
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    target[0] = first;
    for (let i = 1; i < n; i++) {
      const z = width === 2 ? low[i - 1]! | (second[i - 1]! << 8) : wordAt(low, second, third, fourth, i - 1);
      const v = (i < 4 ? d : (a + b + c + d) >> 2) + ((z >>> 1) ^ -(z & 1));
      a = b;
      b = c;
      c = d;
      d = v;
      target[i] = first + v * divisor;
    }
    return;
  }
  let acc = 0;
  target[0] = first;
  if (width === 1) {
    for (let i = 1; i < n; i++) {
      const z = low[i - 1]!;
      target[i] = first + (acc += (z >>> 1) ^ -(z & 1)) * divisor;
    }
  } else if (width === 2) {
    for (let i = 1; i < n; i++) {
      const z = low[i - 1]! | (second[i - 1]! << 8);
      target[i] = first + (acc += (z >>> 1) ^ -(z & 1)) * divisor;
    }
  } else {
    for (let i = 1; i < n; i++) {
      const z = wordAt(low, second, third, fourth, i - 1);
      target[i] = first + (acc += (z >>> 1) ^ -(z & 1)) * divisor;
    }
  }
}

const ZERO = new Uint8Array(0);

/** The unsigned word of the planes at row i (missing planes read as zeros). */
function wordAt(low: Uint8Array, second: Uint8Array, third: Uint8Array, fourth: Uint8Array, i: number): number {
  return (low[i]! | ((second[i] ?? 0) << 8) | ((third[i] ?? 0) << 16) | ((fourth[i] ?? 0) << 24)) >>> 0;
}

/** Zig-zag steps as varints of at most 32 bits, which must fill the stream exactly. */
function readVarintSteps(stream: Uint8Array, target: Float64Array, first: number, divisor: number): void {
  const end = stream.length;
  let at = 0;
  let acc = 0;
  if (target.length > 0) target[0] = first;
  for (let i = 1; i < target.length; i++) {
    if (at >= end) throw new SegmentCorruptError('number varints end early');
    let byte = stream[at++]!;
    let z = byte & 0x7f;
    for (let shift = 7; byte >= 0x80; shift += 7) {
      if (at >= end || shift > 28) throw new SegmentCorruptError('number varints end early or exceed 32 bits');
      byte = stream[at++]!;
      z |= (byte & 0x7f) << shift;
    }
    target[i] = first + (acc += (z >>> 1) ^ -(z & 1)) * divisor;
  }
  if (at !== end) throw new SegmentCorruptError('number varints have trailing bytes');
}

function isPackable(v: number): boolean {
  return Math.abs(v) <= MAX_PACKABLE && Math.floor(v) === v && !Object.is(v, -0);
}

/** Every value is the first (a -0 after a 0 is not: the general path stores such a run raw). */
function allEqual(values: Float64Array): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (v !== first || (v === 0 && 1 / v < 0)) return false;
  }
  return true;
}

/** The divisor of the steps from the first value, or 0 when the run cannot be packed. */
function packableDivisor(values: Float64Array): number {
  let divisor = 0;
  const first = values.length > 0 ? values[0]! : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!isPackable(v)) return 0;
    const distance = Math.abs(v - first);
    // A multiply instead of fmod, which is several times slower: exact below 2^53.
    if (divisor !== 1 && Math.round(distance / divisor) * divisor !== distance) divisor = gcd(divisor, distance);
  }
  return divisor === 0 ? 1 : divisor;
}

function header(out: ByteWriter, mode: number, divisor: number, first: number): void {
  out.u8(mode);
  out.varint(divisor);
  out.varint(zigzag(first));
}

function widthFor(range: number): number {
  return range === 0 ? 0 : range <= 0xff ? 1 : range <= 0xffff ? 2 : range <= 0xffffff ? 3 : range <= 0xffff_ffff ? 4 : MAX_PLANES + 1;
}

/** Plane k holds byte k of every (value + add), each plane a part of its own. */
function writePlanes(out: ByteWriter, values: Float64Array, add: number, width: number): void {
  const n = values.length;
  const words = scratch.words.rowsOf(n);
  for (let i = 0; i < n; i++) words[i] = values[i]! + add;
  for (let k = 0, shift = 0; k < width; k++, shift += 8) {
    const plane = new Uint8Array(n);
    for (let i = 0; i < n; i++) plane[i] = words[i]! >>> shift;
    out.plane(plane);
  }
}

/**
 * Working arrays of writeNumbers, kept per thread and lent as views of the length asked for:
 * a flush encodes tens of thousands of runs, and making these per run (zero-filled each time)
 * was a good part of a flush's garbage. Nothing lent outlives the writeNumbers call; the planes
 * handed to the writer are made fresh.
 */
const scratch = {
  scaled: new LentRows((n) => new Float64Array(n)),
  steps: new LentRows((n) => new Float64Array(n)),
  residues: new LentRows((n) => new Float64Array(n)),
  words: new LentRows((n) => new Uint32Array(n)),
};

/** Bytes of the varint of a non-negative integer below 2^56: compares, where a loop divided. */
function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  if (value < 0x8_0000_0000) return 5;
  if (value < 0x400_0000_0000) return 6;
  return value < 0x2_0000_0000_0000 ? 7 : 8;
}
