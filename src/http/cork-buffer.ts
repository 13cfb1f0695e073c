/** uWS's cork buffer (LoopData::CORK_BUFFER_SIZE). */
export const CORK_BUFFER_BYTES = 16 * 1024;

/**
 * The cork buffer less room for a chunk's own framing (`\r\n`, up to 8 hex digits, `\r\n`): a
 * piece of a chunked answer this long or shorter fits the cork buffer with its framing.
 *
 * Why it matters. A corked `res.write` of more than the cork buffer holds first sends the
 * chunk's framing (already in the cork buffer) and then the data; when the socket cannot take
 * that framing whole, this uWS build keeps the framing in its buffer but neither sends nor
 * keeps the data (AsyncSocket::uncork returns before writing it; uNetworking/uWebSockets.js#1249).
 * The client then reads the next chunk's framing where the data should be: "Invalid character
 * in chunk size". Once uWS holds bytes back for a slow reader, the framing meets them first, so
 * this is what happens. A write that fits the cork buffer is only copied there, and the uncork
 * keeps whatever the socket does not take; a write with nothing corked before it sends or keeps
 * the framing and the data alike. So once uWS holds bytes back, a piece is written from inside
 * uWS's writable event, where nothing is corked (Exchange.writeAtRoom), or in slices that fit.
 * A write outside any cork and outside uWS's own callbacks would be safe too, but this uWS build
 * prints a warning on stderr for each one.
 */
export const CORK_SAFE_BYTES = CORK_BUFFER_BYTES - 64;
