/**
 * `size` bytes that are a whole ArrayBuffer of their own (so they can be transferred to another
 * thread), not zero-filled first: for buffers whose every byte read is written before.
 * (A Buffer's own `allocUnsafe` may hand out a slice of a shared pool.)
 */
export function uninitializedBytes(size: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
}
