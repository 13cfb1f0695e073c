/**
 * A block body's parts, compressed apart or whole (deflate-parts.ts), inflate in one call to
 * exactly the body, and noisy byte planes come out smaller apart than in one stream.
 */
import test from 'ava';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DeflateHistory, deflateParts } from '../../src/storage/deflate-parts.js';

/** Deterministic bytes: `symbols` distinct values, uniformly spread. */
function noise(length: number, symbols: number, seed: number): Uint8Array {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 16) % symbols;
  });
}

const PREFIX = Uint8Array.of(2);

function body(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

test('parts of every kind inflate back to the body in one call', (t) => {
  const cases: Uint8Array[][] = [
    [],
    [Uint8Array.of(1, 2, 3)],
    [new TextEncoder().encode('cpu.host1 value'), noise(1024, 256, 1), noise(1024, 9, 2), new Uint8Array(2000).fill(7)],
    [noise(300, 256, 3), Uint8Array.of(), noise(5000, 4, 4)],
  ];
  for (const parts of cases) {
    const bytes = deflateParts(parts, PREFIX);
    t.is(bytes[0], 2);
    t.deepEqual(inflateRawSync(bytes.subarray(1)), body(parts));
  }
});

test('a noisy low plane and a high plane of few symbols take fewer bytes apart than in one stream', (t) => {
  const parts = [noise(1024, 256, 5), noise(1024, 9, 6)];
  const bytes = deflateParts(parts, PREFIX);
  t.true(bytes.byteLength - 1 < deflateRawSync(body(parts)).byteLength, `${bytes.byteLength - 1} bytes`);
});

test('a body that repeats across its parts is never larger than deflated whole', (t) => {
  const period = noise(100, 256, 7);
  const repeating = Uint8Array.from({ length: 2048 }, (_, i) => period[i % 100]!);
  const parts = [repeating.subarray(0, 1024), repeating.subarray(1024)];
  t.true(deflateParts(parts, PREFIX).byteLength - 1 <= deflateRawSync(body(parts)).byteLength);
});

test('a part of noise is stored as is, in blocks of at most 64 KiB, and small parts are joined', (t) => {
  const big = noise(150_000, 256, 8);
  const parts = [Uint8Array.of(1), new TextEncoder().encode('cpu.host1'), Uint8Array.of(), big, Uint8Array.of(9, 9)];
  const bytes = deflateParts(parts, PREFIX);
  t.deepEqual(inflateRawSync(bytes.subarray(1)), body(parts));
  // Three stored blocks of 5 header bytes each, the small parts in front and behind, the end block.
  t.true(bytes.byteLength - 1 <= big.byteLength + 3 * 5 + 40, `${bytes.byteLength - 1} bytes`);
  t.true(bytes.byteLength - 1 < deflateRawSync(big, { strategy: 2 }).byteLength + 40);
});

test('a body of under 128 bytes is stored as one block, and a small one of one run is deflated once, whole', (t) => {
  const tiny = [new TextEncoder().encode('m12345'), new Uint8Array(40).fill(3), noise(30, 256, 9)];
  const stored = deflateParts(tiny, PREFIX);
  t.is(stored.byteLength, 1 + 5 + 76 + 2);
  t.deepEqual(inflateRawSync(stored.subarray(1)), body(tiny));
  const small = [new TextEncoder().encode('cpu.host1'), new Uint8Array(200).fill(5)];
  const once = deflateParts(small, PREFIX);
  t.deepEqual(once.subarray(1), deflateRawSync(body(small)));
});

/** A body whose parts win apart (noise planes), or one that repeats across its parts and wins whole. */
function noisyBody(seed: number): Uint8Array[] {
  return [noise(1024, 256, seed), noise(1024, 9, seed + 1)];
}
function repeatingBody(seed: number): Uint8Array[] {
  const period = noise(100, 256, seed);
  const repeating = Uint8Array.from({ length: 2048 }, (_, i) => period[i % 100]!);
  return [repeating.subarray(0, 1024), repeating.subarray(1024)];
}

test("a series' history skips the whole-body try while its parts keep winning, and tries it again soon after its data changes", (t) => {
  const bodies = [
    ...Array.from({ length: 12 }, (_, i) => noisyBody(100 + 2 * i)),
    ...Array.from({ length: 12 }, (_, i) => repeatingBody(200 + i)),
    ...Array.from({ length: 4 }, (_, i) => noisyBody(300 + 2 * i)),
  ];
  const history = new DeflateHistory();
  const larger: number[] = [];
  bodies.forEach((parts, i) => {
    const remembered = deflateParts(parts, PREFIX, history);
    const fresh = deflateParts(parts, PREFIX);
    t.deepEqual(inflateRawSync(remembered.subarray(1)), body(parts));
    if (remembered.byteLength > fresh.byteLength) larger.push(i);
    // Noise is compressed the same way with or without the history, until the data changes.
    if (i < 12) t.deepEqual(remembered, fresh, `body ${i}`);
  });
  // After each switch, at most RETRY_WHOLE_EVERY - 1 blocks pass before both ways are tried again.
  t.true(larger.some((i) => i >= 12 && i < 19), `larger: ${larger.join(', ')}`);
  t.true(larger.every((i) => (i >= 12 && i < 19) || (i >= 24 && i < 31)), `larger: ${larger.join(', ')}`);
});

/** A plane of long runs (a slow walk's high byte), which plain DEFLATE wins over Huffman coding alone. */
function runsPlane(seed: number): Uint8Array {
  const symbols = noise(16, 9, seed);
  return Uint8Array.from({ length: 1024 }, (_, i) => symbols[i >> 6]!);
}

test("a series' history tries one coding of a part once the other kept winning it, and both again soon after its data changes", (t) => {
  // Each body: a noisy low plane (stored), then a plane that DEFLATE wins, later one Huffman coding wins.
  const bodies = [
    ...Array.from({ length: 12 }, (_, i) => [noise(1024, 256, 400 + i), runsPlane(500 + i)]),
    ...Array.from({ length: 12 }, (_, i) => [noise(1024, 256, 600 + i), noise(1024, 9, 700 + i)]),
  ];
  const history = new DeflateHistory();
  const larger: number[] = [];
  bodies.forEach((parts, i) => {
    const remembered = deflateParts(parts, PREFIX, history);
    const fresh = deflateParts(parts, PREFIX);
    t.deepEqual(inflateRawSync(remembered.subarray(1)), body(parts), `body ${i}`);
    if (remembered.byteLength > fresh.byteLength) larger.push(i);
    if (i < 12) t.deepEqual(remembered, fresh, `body ${i}`);
  });
  t.true(history.deflateWins.some((streak) => streak.winner === false), 'Huffman coding won the plane in the end');
  // After the switch, at most RETRY_WHOLE_EVERY - 1 blocks pass before both are tried again.
  t.true(larger.every((i) => i >= 12 && i < 19), `larger: ${larger.join(', ')}`);
});
