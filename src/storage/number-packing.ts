import type { ByteReader, ByteWriter } from './block-bytes.js';
import { SegmentCorruptError } from './compression.js';

/**
 * A run of float64 values in a block body, packed losslessly. When every value is an
 * integer within ±2^52 (times, sequence numbers, ints, scaled decimals, bools) it is stored
 * as the narrowest unsigned offset from a base, either of the value itself (frame of
 * reference) or of its delta from the previous value, whichever spans less; a constant
 * run (evenly spaced times) takes no bytes at all. Anything else is stored as raw float64.
 *
 *     u8 width (0, 1, 2, 4 bytes, or 8 = raw float64)   u8 mode (0 = FOR, 1 = delta-FOR)
 *     f64 base   f64 first value   [aligned: count × width bytes]
 */
const RAW = 8;
const MODE_FOR = 0;
const MODE_DELTA = 1;
const MAX_PACKABLE = 2 ** 52;

export function writeNumbers(out: ByteWriter, values: Float64Array): void {
  const n = values.length;
  let packable = true;
  let min = Infinity;
  let max = -Infinity;
  let deltaMin = Infinity;
  let deltaMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= MAX_PACKABLE) || Math.floor(v) !== v || Object.is(v, -0)) {
      packable = false;
      break;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (i > 0) {
      const d = v - values[i - 1]!;
      if (d < deltaMin) deltaMin = d;
      if (d > deltaMax) deltaMax = d;
    }
  }
  if (n === 0) min = max = 0;
  if (n < 2) deltaMin = deltaMax = 0;
  const useDelta = deltaMax - deltaMin < max - min;
  const base = useDelta ? deltaMin : min;
  const range = useDelta ? deltaMax - deltaMin : max - min;
  const width = !packable ? RAW : range === 0 ? 0 : range <= 0xff ? 1 : range <= 0xffff ? 2 : range <= 0xffff_ffff ? 4 : RAW;

  out.u8(width);
  out.u8(useDelta ? MODE_DELTA : MODE_FOR);
  out.f64(width === RAW ? 0 : base);
  out.f64(n > 0 ? values[0]! : 0);
  if (width === 0) return;
  if (width === RAW) {
    out.aligned(values);
    return;
  }
  const packed = width === 1 ? new Uint8Array(n) : width === 2 ? new Uint16Array(n) : new Uint32Array(n);
  if (useDelta) {
    for (let i = 1; i < n; i++) packed[i] = values[i]! - values[i - 1]! - base;
  } else {
    for (let i = 0; i < n; i++) packed[i] = values[i]! - base;
  }
  out.aligned(packed);
}

/** Fill `target` with the values writeNumbers wrote for an array of its length. */
export function readNumbers(input: ByteReader, target: Float64Array): void {
  const n = target.length;
  const width = input.u8();
  const mode = input.u8();
  const base = input.f64();
  const first = input.f64();
  if (mode !== MODE_FOR && mode !== MODE_DELTA) throw new SegmentCorruptError(`unknown number packing mode ${mode}`);
  if (width === RAW) {
    target.set(new Float64Array(input.buffer, input.alignedSection(8 * n), n));
    return;
  }
  if (n === 0) return;
  if (width === 0) {
    if (mode === MODE_FOR) target.fill(base);
    else for (let i = 0, acc = first; i < n; i++, acc += base) target[i] = acc;
    return;
  }
  if (width !== 1 && width !== 2 && width !== 4) throw new SegmentCorruptError(`unknown number packing width ${width}`);
  const start = input.alignedSection(width * n);
  const packed =
    width === 1
      ? new Uint8Array(input.buffer, start, n)
      : width === 2
        ? new Uint16Array(input.buffer, start, n)
        : new Uint32Array(input.buffer, start, n);
  if (mode === MODE_FOR) {
    for (let i = 0; i < n; i++) target[i] = packed[i]! + base;
  } else {
    let acc = first;
    target[0] = acc;
    for (let i = 1; i < n; i++) target[i] = acc += packed[i]! + base;
  }
}
