import type { ByteReader } from './block-bytes.js';
import { SegmentCorruptError } from './compression.js';

/**
 * A run of float64 values in a block body of codec 1 (blocks written before codec 2, which
 * packs numbers as number-planes.ts describes; only read now), packed losslessly. When every value is an
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
