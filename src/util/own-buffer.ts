/**
 * An ArrayBuffer holding exactly `bytes`, which may be transferred to another thread: the
 * array's own buffer when it is the whole of it, else a copy. A Buffer from Node (a request
 * body, zlib's output) is often a view into a larger pool, and transferring that pool would
 * detach memory other Buffers live in; the copy is made by the Uint8Array constructor, since a
 * Buffer's own slice() would be another view into the pool.
 */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}
