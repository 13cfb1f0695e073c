/**
 * Copies bytes out of shared memory (a page slot, storage/page-slots.ts) quickly. Through a
 * Uint8Array view, V8 copies a SharedArrayBuffer a byte at a time with relaxed atomics: a
 * 349 KB page took 140 µs, against 6–12 µs from an ArrayBuffer. Through Int32Array views it
 * copies words (13 µs), so the bytes are taken as whole words into a reused buffer, then
 * moved to where they go from there: the source's and target's offsets need not agree
 * modulo 4.
 */
let staging = new Int32Array(0);

/** Parts this small are copied in one step: a few microseconds either way. */
const WORD_COPY_BYTES = 4096;
/** The reused buffer is kept up to a slot's size (1 MiB) and a little over; a larger part gets one of its own. */
const KEPT_STAGING_WORDS = 512 * 1024;

/** `target.set(source, at)`, fast when `source` lies in a SharedArrayBuffer. */
export function copyBytes(target: Uint8Array, at: number, source: Uint8Array): void {
  const shared = source.buffer;
  if (!(shared instanceof SharedArrayBuffer) || source.length < WORD_COPY_BYTES) return target.set(source, at);
  const lead = source.byteOffset & 3;
  const start = source.byteOffset - lead;
  const words = (lead + source.length + 3) >>> 2;
  // The last word may reach past the buffer's end only if its length is not a multiple of 4.
  if (start + words * 4 > shared.byteLength) return target.set(source, at);
  if (staging.length < words && words <= KEPT_STAGING_WORDS) staging = new Int32Array(Math.min(KEPT_STAGING_WORDS, Math.max(words, staging.length * 2)));
  const wordBuffer = staging.length >= words ? staging : new Int32Array(words);
  wordBuffer.set(new Int32Array(shared, start, words));
  target.set(new Uint8Array(wordBuffer.buffer, lead, source.length), at);
}
