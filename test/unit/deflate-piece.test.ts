/**
 * Pieces compressed apart and framed as one gzip or zlib stream (util/deflate-piece.ts): the
 * joined stream inflates to the pieces' bytes in order, with trailer checks combined from the
 * pieces' own checks exactly as the checks of the whole would be.
 */
import test from 'ava';
import { crc32, gunzipSync, inflateSync } from 'node:zlib';
import { adler32, adler32Combine, crc32Combine, deflatePiece, deflatePieceOffLoop, DeflatedStream, type PieceEncoding } from '../../src/util/deflate-piece.js';

/** Seeded bytes that compress somewhat, as JSON rows do. */
function pieceBytes(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = 44 + ((x >>> 16) % 14);
  }
  return bytes;
}

const LENGTHS = [0, 1, 17, 5_552, 5_553, 65_521, 70_000, 300_000];

test('CRC-32 and Adler-32 of two parts combine to those of the whole', (t) => {
  for (const a of LENGTHS) {
    for (const b of LENGTHS) {
      const first = pieceBytes(a + 1, a);
      const second = pieceBytes(b + 7, b);
      const whole = Buffer.concat([first, second]);
      t.is(crc32Combine(crc32(first), crc32(second), b), crc32(whole), `crc ${a}+${b}`);
      t.is(adler32Combine(adler32(first), adler32(second), b), adler32(whole), `adler ${a}+${b}`);
    }
  }
  // RFC 1950's reference value.
  t.is(adler32(Buffer.from('Wikipedia')), 0x11e60398);
});

for (const encoding of ['gzip', 'deflate'] as PieceEncoding[]) {
  const inflate = (bytes: Uint8Array): Buffer => (encoding === 'gzip' ? gunzipSync(bytes) : inflateSync(bytes));

  test(`${encoding}: pieces compressed apart, here and off the loop, inflate to their bytes in order`, async (t) => {
    const stream = new DeflatedStream(encoding);
    const pieces = LENGTHS.map((length, k) => pieceBytes(k, length));
    const out: Uint8Array[] = [];
    for (const [k, piece] of pieces.entries()) out.push(stream.next(k % 2 === 0 ? deflatePiece(piece, encoding) : await deflatePieceOffLoop(piece, encoding)));
    out.push(stream.end());
    t.true(inflate(Buffer.concat(out)).equals(Buffer.concat(pieces)));
  });

  test(`${encoding}: a stream with no piece is a valid empty one`, (t) => {
    t.is(inflate(new DeflatedStream(encoding).end()).length, 0);
  });

  test(`${encoding}: a piece whose check is wrong makes the whole fail to inflate`, (t) => {
    const stream = new DeflatedStream(encoding);
    const piece = deflatePiece(pieceBytes(3, 1000), encoding);
    const bytes = Buffer.concat([stream.next({ ...piece, check: piece.check ^ 1 }), stream.end()]);
    t.throws(() => inflate(bytes));
  });
}
