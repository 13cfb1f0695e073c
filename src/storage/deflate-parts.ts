import { constants, deflateRawSync } from 'node:zlib';

/**
 * A block body, given as parts, as one raw DEFLATE stream: either each part compressed on
 * its own, with the strategy that makes it smaller — plain DEFLATE for parts with repeats,
 * Huffman coding alone for noisy byte planes, where LZ77 matches only cost bits, stored as is
 * when even that cannot help — or the whole body compressed at once, whichever is smaller. The
 * whole wins for small blocks and for values whose runs repeat across planes; the parts win on
 * noisy values (no cheap test tells these apart, so both are tried).
 *
 * Each separately compressed part ends byte-aligned (a sync flush, or a stored block), so the
 * parts can be concatenated and one inflate call reads the whole body back; a final empty
 * block closes the stream.
 *
 * Every zlib call costs about 10 µs before its first byte (a stream made, its window and hash
 * tables set up, then freed), as much as Huffman-coding a kilobyte. A 1024-row block of two-
 * decimal noise made eight calls; the calls that cannot pay are skipped: adjacent small parts
 * (headers, times, sequence numbers) are deflated together, and a part whose byte histogram
 * says Huffman coding saves almost nothing is stored without asking zlib (which would have
 * stored it too).
 */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);
/**
 * A part that Huffman coding shrinks by less than this is noise: plain DEFLATE, the slowest
 * call of all on such bytes, is not tried on it (repeats across a noisy part still count, as
 * the whole body is tried too).
 */
const NOISE_RATIO = 0.9;
/** Parts this small are only deflated, together with their small neighbours: a Huffman table alone would cost a good share of them. */
const SMALL_PART_BYTES = 256;
/**
 * A body this small is stored without asking zlib: a flush of many series of a few points
 * each (many series written now and then) spent most of its time making zlib streams for
 * 100-byte blocks, two a block, to save some 10 bytes of each.
 */
const STORED_BODY_BYTES = 128;
/** The most bytes one stored block holds. */
const MAX_STORED_BLOCK = 65_535;

/** Wins in a row after which a choice's winner is taken without trying the other way. */
const WINS_TO_TRUST = 2;
/** A trusted choice still tries both ways once in this many. */
const RETRY_BOTH_EVERY = 8;

/**
 * Which of two ways won a choice lately (`true` or `false`: what the caller tried): once one
 * won WINS_TO_TRUST times in a row, the other is tried again only once in RETRY_BOTH_EVERY.
 */
export class Streak {
  winner: boolean | undefined;
  private inARow = 0;
  private sinceTried = 0;

  /** The way to take alone this time, or undefined when both must be tried (and `record`ed). */
  trusted(): boolean | undefined {
    if (this.winner === undefined || this.inARow < WINS_TO_TRUST || this.sinceTried >= RETRY_BOTH_EVERY - 1) return undefined;
    this.sinceTried++;
    return this.winner;
  }

  record(won: boolean): void {
    this.inARow = this.winner === won ? this.inARow + 1 : 1;
    this.winner = won;
    this.sinceTried = 0;
  }
}

/**
 * What the blocks of one series written before told about compressing them. Within a series
 * the same way keeps winning, and trying both costs a zlib call that loses every time, so each
 * choice follows a Streak:
 * - the whole body against its parts (`partsWin`): the parts for noise, the whole for repeats.
 *   Trying both cost a block of the peer workload's noise a whole-body DEFLATE that lost every
 *   time, about a third of encoding it;
 * - per part of a block (its place in the block: a column's plane), plain DEFLATE against
 *   Huffman coding alone (`deflateWins`). A plane keeps its kind within a series: on the peer
 *   workload's noise Huffman won all 40,000 parts tried both ways, and on slow walks' high
 *   planes DEFLATE wins every time.
 */
export class DeflateHistory {
  readonly partsWin = new Streak();
  readonly deflateWins: Streak[] = [];
}

export function deflateParts(parts: readonly Uint8Array[], prefix: Uint8Array, history?: DeflateHistory): Uint8Array {
  let bodyBytes = 0;
  for (const part of parts) bodyBytes += part.byteLength;
  if (bodyBytes < STORED_BODY_BYTES) return Buffer.concat([prefix, storedBlocks(Buffer.concat(parts)), FINAL_EMPTY_BLOCK]);
  const joined = joinSmallParts(parts);
  // One small run is the whole body again, compressed worse (a sync flush and a closing block).
  if (joined.length === 1 && joined[0]!.small) return Buffer.concat([prefix, deflateRawSync(joined[0]!.bytes)]);
  const trusted = history?.partsWin.trusted();
  if (trusted === false) return Buffer.concat([prefix, deflateRawSync(Buffer.concat(parts))]);
  const separate: Uint8Array[] = [];
  let separateBytes = FINAL_EMPTY_BLOCK.byteLength;
  for (const [at, { bytes, small }] of joined.entries()) {
    const compressed = small ? deflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }) : compressPart(bytes, history?.deflateWins, at);
    separate.push(compressed);
    separateBytes += compressed.byteLength;
  }
  if (trusted === true) return Buffer.concat([prefix, ...separate, FINAL_EMPTY_BLOCK]);
  const whole = deflateRawSync(Buffer.concat(parts));
  const partsWin = separateBytes < whole.byteLength;
  history?.partsWin.record(partsWin);
  return Buffer.concat(partsWin ? [prefix, ...separate, FINAL_EMPTY_BLOCK] : [prefix, whole]);
}

function compressPart(part: Uint8Array, deflateWins?: Streak[], at = 0): Uint8Array {
  if (huffmanBytesAtLeast(part) >= part.byteLength) return storedBlocks(part);
  const streak = deflateWins === undefined ? undefined : (deflateWins[at] ??= new Streak());
  const trusted = streak?.trusted();
  if (trusted !== undefined) return trusted ? deflateRawSync(part, { finishFlush: constants.Z_SYNC_FLUSH }) : huffmanOnly(part);
  const huffman = huffmanOnly(part);
  if (huffman.byteLength >= NOISE_RATIO * part.byteLength) return huffman;
  const deflated = deflateRawSync(part, { finishFlush: constants.Z_SYNC_FLUSH });
  const deflateWon = deflated.byteLength < huffman.byteLength;
  streak?.record(deflateWon);
  return deflateWon ? deflated : huffman;
}

function huffmanOnly(part: Uint8Array): Uint8Array {
  return deflateRawSync(part, { strategy: constants.Z_HUFFMAN_ONLY, finishFlush: constants.Z_SYNC_FLUSH });
}

/**
 * The parts, with each run of adjacent parts smaller than SMALL_PART_BYTES joined into one (a
 * `small` one), as long as the run is still small when the next part joins it.
 */
function joinSmallParts(parts: readonly Uint8Array[]): { bytes: Uint8Array; small: boolean }[] {
  const joined: { bytes: Uint8Array; small: boolean }[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const endRun = (): void => {
    if (run.length > 0) joined.push({ bytes: run.length === 1 ? run[0]! : Buffer.concat(run), small: true });
    run = [];
    runBytes = 0;
  };
  for (const part of parts) {
    if (part.byteLength >= SMALL_PART_BYTES) {
      endRun();
      joined.push({ bytes: part, small: false });
      continue;
    }
    if (runBytes >= SMALL_PART_BYTES) endRun();
    run.push(part);
    runBytes += part.byteLength;
  }
  endRun();
  return joined;
}

/**
 * A lower bound on the bytes Huffman coding takes for the part: its order-0 entropy, plus half
 * a byte per distinct symbol for the code's table (a dynamic block sends a code length for
 * every symbol up to the last one used; a typical length costs 4 to 7 bits).
 */
function huffmanBytesAtLeast(part: Uint8Array): number {
  const counts = new Uint32Array(256);
  for (let i = 0; i < part.length; i++) counts[part[i]!]!++;
  const n = part.length;
  let bits = 0;
  for (let symbol = 0; symbol < 256; symbol++) {
    const count = counts[symbol]!;
    if (count > 0) bits += count * Math.log2(n / count) + 4;
  }
  return bits / 8;
}

/**
 * The bytes as non-final stored DEFLATE blocks starting at a byte boundary: per block a header
 * byte (BFINAL 0, BTYPE 00, padding), LEN and its complement, then the bytes themselves.
 */
function storedBlocks(part: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(part.length / MAX_STORED_BLOCK));
  const out = new Uint8Array(part.length + 5 * blocks);
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_STORED_BLOCK;
    const length = Math.min(MAX_STORED_BLOCK, part.length - start);
    out[at] = 0;
    out[at + 1] = length & 0xff;
    out[at + 2] = length >>> 8;
    out[at + 3] = ~length & 0xff;
    out[at + 4] = (~length >>> 8) & 0xff;
    out.set(part.subarray(start, start + length), at + 5);
    at += 5 + length;
  }
  return out;
}
