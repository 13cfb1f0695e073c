/** uWS's cork buffer (LoopData::CORK_BUFFER_SIZE). */
export const CORK_BUFFER_BYTES = 16 * 1024;

/** The cork buffer less room for a chunk's own framing (`\r\n`, up to 8 hex digits, `\r\n`). */
export const CORK_SAFE_BYTES = CORK_BUFFER_BYTES - 64;

/**
 * Whether a piece of a chunked answer may be written inside a cork once a write has met
 * backpressure.
 *
 * A corked `res.write` of more than the cork buffer holds first sends the chunk's framing
 * (already in the cork buffer) and then the data; when the socket cannot take that framing
 * whole, this uWS build keeps the framing in its buffer but neither sends nor keeps the data
 * (AsyncSocket::uncork returns before writing it; uNetworking/uWebSockets.js#1249). The client
 * then reads the next chunk's framing where the data should be: "Invalid character in chunk
 * size". Once uWS holds bytes back, the framing meets them first, so this is what happens. A
 * write that fits the cork buffer is only copied there, and the uncork keeps whatever the
 * socket does not take. A larger piece is written outside any cork: uWS then sends the framing
 * and the data with a system call each (the framing's two pieces and the size as packets of
 * their own, which is why pieces go corked until then), and keeps in its own buffer whatever
 * the socket does not take, the framing and the data alike.
 */
export function fitsCork(piece: Uint8Array | string): boolean {
  return (typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length) <= CORK_SAFE_BYTES;
}
