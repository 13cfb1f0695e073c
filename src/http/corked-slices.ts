import type { HttpResponse } from 'uWebSockets.js';

/** uWS's cork buffer (LoopData::CORK_BUFFER_SIZE). */
export const CORK_BUFFER_BYTES = 16 * 1024;

/** The cork buffer less room for a chunk's own framing (`\r\n`, up to 8 hex digits, `\r\n`). */
export const CORK_SAFE_BYTES = CORK_BUFFER_BYTES - 64;

/**
 * Writes `bytes` as chunks of a chunked answer, each in a cork of its own and small enough to
 * fit uWS's cork buffer. Returns false when uWS had to keep some of them in its buffer
 * (backpressure), as `res.write` does.
 *
 * Why: a corked `res.write` of more than the cork buffer holds first sends the chunk's framing
 * (already in the cork buffer) and then the data; when the socket cannot take that framing
 * whole, this uWS build keeps the framing in its buffer but neither sends nor keeps the data
 * (AsyncSocket::uncork returns before writing it; uNetworking/uWebSockets.js#1249). The client
 * then reads the next chunk's framing where the data should be: "Invalid character in chunk
 * size". A write that fits the cork buffer is only copied there, and the uncork at the end of
 * the cork keeps whatever the socket does not take. Slicing costs a system call per slice
 * (about 0.8 ms of CPU a MB on this machine), so the caller pays it only once a client has
 * been slower than the answer; before that every write went to the socket whole, and only a
 * socket left full to the byte by one would lose the next chunk (README, "Chunked responses").
 */
export function writeCorkedSlices(res: HttpResponse, bytes: Uint8Array | string): boolean {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let ok = true;
  for (let at = 0; at < data.length; at += CORK_SAFE_BYTES) {
    const slice = data.subarray(at, Math.min(data.length, at + CORK_SAFE_BYTES));
    res.cork(() => {
      if (!res.write(slice)) ok = false;
    });
  }
  return ok;
}
