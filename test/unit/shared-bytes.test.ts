import test from 'ava';
import { copyBytes } from '../../src/util/shared-bytes.js';

/** A shared buffer of `length` bytes, each its index's low byte mixed, so a shifted copy shows. */
function sharedBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(new SharedArrayBuffer(length));
  for (let i = 0; i < length; i++) bytes[i] = (i * 131 + (i >> 8)) & 0xff;
  return bytes;
}

test('bytes copied out of shared memory are the bytes at every source and target offset', (t) => {
  const source = sharedBytes(70_003);
  for (const [from, length] of [[0, 70_003], [1, 5000], [2, 65_536], [3, 4096], [7, 4095], [69_000 - 4100, 4100], [70_003 - 6001, 6001], [70_000, 3]]) {
    for (const at of [0, 1, 2, 3, 13]) {
      const part = source.subarray(from!, from! + length!);
      const target = new Uint8Array(at + length! + 5).fill(0xee);
      copyBytes(target, at, part);
      const expected = new Uint8Array(at + length! + 5).fill(0xee);
      expected.set(Uint8Array.from(part), at);
      t.true(Buffer.from(target).equals(Buffer.from(expected)), `from ${from}, ${length} bytes, to ${at}`);
    }
  }
});

test('bytes from an ordinary buffer are copied as set copies them', (t) => {
  const source = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff).subarray(3);
  const target = new Uint8Array(10_010);
  copyBytes(target, 5, source);
  t.true(Buffer.from(target.subarray(5, 5 + source.length)).equals(Buffer.from(source)));
});
