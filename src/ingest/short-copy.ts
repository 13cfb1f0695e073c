// Copies of a few values into a write batch. Short runs go by a loop, which beats creating
// the subarray `set` needs; one function per array type keeps each loop monomorphic.

export function copyFloats(src: Float64Array, from: number, dst: Float64Array, to: number, length: number): void {
  if (length > 16) dst.set(src.subarray(from, from + length), to);
  else for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}

/** Value slots are copied as 32-bit words: an int64 may be a NaN pattern as a double. */
export function copyWords(src: Int32Array, from: number, dst: Int32Array, to: number, length: number): void {
  if (length > 32) dst.set(src.subarray(from, from + length), to);
  else for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}

export function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, length: number): void {
  if (length > 32) dst.set(src.subarray(from, from + length), to);
  else for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}
