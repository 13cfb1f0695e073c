import { constants, deflateRawSync } from 'node:zlib';

/**
 * A block body, given as parts, as one raw DEFLATE stream: either each part compressed on
 * its own, with the strategy that makes it smaller — plain DEFLATE for parts with repeats,
 * Huffman coding alone for noisy byte planes, where LZ77 matches only cost bits — or the
 * whole body compressed at once, whichever is smaller. The whole wins for small blocks and
 * for values whose runs repeat across planes; the parts win on noisy values (no cheap test
 * tells these apart, so both are tried).
 *
 * Each separately compressed part ends in a sync flush (an empty stored block, 5 bytes),
 * which byte-aligns it, so the parts can be concatenated and one inflate call reads the
 * whole body back; a final empty block closes the stream.
 */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);
/**
 * A part that Huffman coding shrinks by less than this is noise: plain DEFLATE, the slowest
 * call of all on such bytes, is not tried on it (repeats across a noisy part still count, as
 * the whole body is tried too).
 */
const NOISE_RATIO = 0.9;
/** Parts this small are only deflated: a Huffman table alone would cost a good share of them. */
const SMALL_PART_BYTES = 256;

export function deflateParts(parts: readonly Uint8Array[], prefix: Uint8Array): Uint8Array {
  const whole = deflateRawSync(Buffer.concat(parts));
  const separate: Uint8Array[] = [];
  let separateBytes = FINAL_EMPTY_BLOCK.byteLength;
  for (const part of parts) {
    if (part.byteLength < SMALL_PART_BYTES) {
      const deflated = deflateRawSync(part, { finishFlush: constants.Z_SYNC_FLUSH });
      separate.push(deflated);
      separateBytes += deflated.byteLength;
      continue;
    }
    const huffman = deflateRawSync(part, { strategy: constants.Z_HUFFMAN_ONLY, finishFlush: constants.Z_SYNC_FLUSH });
    const deflated = huffman.byteLength < NOISE_RATIO * part.byteLength ? deflateRawSync(part, { finishFlush: constants.Z_SYNC_FLUSH }) : huffman;
    const smaller = deflated.byteLength < huffman.byteLength ? deflated : huffman;
    separate.push(smaller);
    separateBytes += smaller.byteLength;
  }
  return Buffer.concat(separateBytes < whole.byteLength ? [prefix, ...separate, FINAL_EMPTY_BLOCK] : [prefix, whole]);
}
