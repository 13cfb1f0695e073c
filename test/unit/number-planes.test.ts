/**
 * Block codec 2's number runs (number-planes.ts): every way of packing a run gives back the
 * exact values, and damaged runs are reported as corrupt.
 */
import test from 'ava';
import { ByteReader, ByteWriter } from '../../src/storage/block-bytes.js';
import { SegmentCorruptError } from '../../src/storage/compression.js';
import { readNumbers, writeNumbers } from '../../src/storage/number-planes.js';

/** The run written and read back through one contiguous body, as a block's inflated body is. */
function roundTrip(values: readonly number[]): { back: Float64Array; bytes: number } {
  const out = new ByteWriter(16);
  writeNumbers(out, Float64Array.from(values));
  const body = new Uint8Array(Buffer.concat(out.parts()));
  const input = new ByteReader(body);
  const back = new Float64Array(values.length);
  readNumbers(input, back);
  input.expectEnd();
  return { back, bytes: body.byteLength };
}

function same(values: readonly number[]): (back: Float64Array) => boolean {
  return (back) => back.length === values.length && values.every((v, i) => Object.is(back[i], v));
}

/** Uniform-looking integers in 0…1000 without the arithmetic structure steps would exploit. */
function noise(i: number): number {
  return Math.floor(((Math.sin(i * 12.9898) * 43758.5453) % 1 + 1) % 1 * 1001);
}

const CASES: Record<string, number[]> = {
  empty: [],
  one: [-(2 ** 52)],
  'even steps': Array.from({ length: 100 }, (_, i) => 1_700_000_000_000_000 + i * 10_000_000),
  'even steps down': Array.from({ length: 100 }, (_, i) => 5 - i * 3),
  'offsets, one byte': Array.from({ length: 300 }, (_, i) => ((i * 37) % 251) - 100),
  'offsets, two bytes': Array.from({ length: 300 }, (_, i) => ((i * 7919) % 60_000) + 4_000_000_000),
  'offsets, three bytes': Array.from({ length: 300 }, (_, i) => (i * 104_729) % 16_000_000),
  'offsets, four bytes': Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 0 : 2 ** 32 - 1 - i)),
  'steps, two bytes': Array.from({ length: 300 }, (_, i) => 5000 + Math.round(2000 * Math.sin(i / 20)) + ((i * 7919) % 1001)),
  'steps, four bytes': (() => {
    let v = 0;
    return Array.from({ length: 300 }, (_, i) => (v += i % 2 === 0 ? 2 ** 31 - 1 : -(2 ** 31) + 5));
  })(),
  // A series' sequence numbers when concurrent requests interleave: mostly one step, rare jumps back and forth.
  'sequence numbers, rare jumps': (() => {
    let ordinal = 23_070_053;
    return Array.from({ length: 1024 }, (_, i) => {
      ordinal += i % 5 !== 0 ? 1 : [4996, 9996, -5004, 14_996, -15_004][i % 7 % 5]!;
      return ordinal * 10_000 + 1;
    });
  })(),
  // The peer bench's values in hundredths: a triangle wave plus uniform noise in ±500.
  'noise around a trend': Array.from({ length: 1024 }, (_, i) => 5000 + Math.abs((i % 360) - 180) * 22 - 2000 + noise(i) - 500),
  'noise around a trend, near the bound of mean prediction': Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (2 ** 28 - 600) + ((i * 7919) % 1001)),
  'noise around a trend, beyond the bound of mean prediction': Array.from({ length: 300 }, (_, i) => 2 ** 28 + 5 + ((i * 7919) % 1001)),
  'times with rare gaps': Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000_000 + i * 10_000_000 + (i >= 400 ? 3_600_000_000 : 0) + (i >= 900 ? 1_000_000 : 0)),
  'runs longer than a byte counts': Array.from({ length: 1000 }, (_, i) => i + (i >= 600 ? 50_000 : 0) + (i === 999 ? 7 : 0)),
  'runs ended by 256 distinct steps': (() => {
    let v = 0;
    return Array.from({ length: 1024 }, (_, i) => (v += i % 4 === 3 ? 1000 + (i >> 2) * 3 : 1));
  })(),
  'runs ended by 257 distinct steps': (() => {
    let v = 0;
    return Array.from({ length: 1032 }, (_, i) => (v += i % 4 === 3 ? 1000 + (i >> 2) * 3 : 1));
  })(),
  'steps at the 32-bit zig-zag edge': [0, 2 ** 31 - 1, -1, 2 ** 31 - 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  'the packable bounds': [2 ** 52, -(2 ** 52), 2 ** 52, 0, 1],
  'divisible by a common stride': Array.from({ length: 50 }, (_, i) => 1 + ((i * 13) % 50) * 10_000),
  'beyond the packable bounds': [2 ** 52 + 2, 0, 1],
  fractions: [0.5, 1, 1.5],
  'negative zero': [0, -0, 0],
  'one value repeated (a tag column\'s string indices)': Array.from({ length: 1000 }, () => 0),
  'one large value repeated': Array.from({ length: 300 }, () => -(2 ** 52)),
  'one value repeated, then another': [...Array.from({ length: 300 }, () => 7), 8],
  'zeros, then a negative zero': [...Array.from({ length: 300 }, () => 0), -0],
  'negative zero repeated': [-0, -0, -0],
  'one value beyond the packable bounds repeated': [2 ** 53, 2 ** 53, 2 ** 53],
  'one fraction repeated': [0.25, 0.25, 0.25],
  'not numbers': [NaN, Infinity, -Infinity, 1],
};

for (const [name, values] of Object.entries(CASES)) {
  test(`${name}: round-trips exactly`, (t) => {
    const { back } = roundTrip(values);
    t.true(same(values)(back), `${Array.from(back.subarray(0, 8))} … for ${values.slice(0, 8)} …`);
  });
}

test('even steps take a few header bytes, whatever the count', (t) => {
  t.true(roundTrip(CASES['even steps']!).bytes < 16);
});

test('sequence numbers with rare jumps take under two bytes a row before compression', (t) => {
  const values = CASES['sequence numbers, rare jumps']!;
  t.true(roundTrip(values).bytes < 2 * values.length);
});

test('noise around a trend is stored as residues from the mean of the previous values', (t) => {
  const values = CASES['noise around a trend']!;
  const plain = new ByteWriter(16);
  writeNumbers(plain, Float64Array.from(values));
  // Mode byte first: MEANS (5) rather than DELTAS (3).
  t.is(plain.parts()[0]![0], 5);
});

test('sequence numbers with rare jumps are stored as runs of one step', (t) => {
  const plain = new ByteWriter(16);
  writeNumbers(plain, Float64Array.from(CASES['sequence numbers, rare jumps']!));
  t.is(plain.parts()[0]![0], 7);
});

test('a step table takes its smallest step, a stride and one byte a gap when its steps share a stride', (t) => {
  // Jumps of whole requests of 5000 sequence numbers, less the run's own four: 5000 × k − 4.
  let ordinal = 23_070_053;
  const ks = [1, 2, -1, 3, -3, 4, 6, -2, 5, 8, -4, 7, 9, 12, -6, 10, 11, -5, 15, 13];
  const values = Array.from({ length: 1024 }, (_, i) => {
    ordinal += i % 5 !== 0 || i === 0 ? 1 : 5000 * ks[(i / 5) % ks.length]! - 4;
    return ordinal * 10_000 + 1;
  });
  const { back, bytes } = roundTrip(values);
  t.true(same(values)(back));
  // Header 1 + 3 + 8, common 1, table 1 + 2 + 2 + 19, count 2, 205 runs, 204 indices: 448.
  t.true(bytes <= 450, `${bytes} bytes`);
});

test('runs written with a listed table (mode 6, before 2026-12-04) still read', (t) => {
  // Runs of +1 and one step of +4 from table entry 0: 0, 1, 2, 6, 7.
  const listed = new ByteReader(Uint8Array.of(6, 1, 0, 2, 1, 8, 2, 2, 1, 0));
  const back = new Float64Array(5);
  readNumbers(listed, back);
  listed.expectEnd();
  t.deepEqual(Array.from(back), [0, 1, 2, 6, 7]);
  const spaced = new ByteReader(Uint8Array.of(7, 1, 0, 2, 1, 8, 0, 2, 2, 1, 0));
  readNumbers(spaced, back.fill(0));
  spaced.expectEnd();
  t.deepEqual(Array.from(back), [0, 1, 2, 6, 7]);
});

test('a damaged run is a SegmentCorruptError', (t) => {
  const out = new ByteWriter(16);
  writeNumbers(out, Float64Array.from(CASES['sequence numbers, rare jumps']!));
  const body = new Uint8Array(Buffer.concat(out.parts()));
  const read = (bytes: Uint8Array, count: number): void => readNumbers(new ByteReader(new Uint8Array(bytes)), new Float64Array(count));
  t.throws(() => read(body.subarray(0, body.byteLength - 1), 1024), { instanceOf: SegmentCorruptError });
  t.throws(() => read(body, 1025), { instanceOf: SegmentCorruptError });
  t.throws(() => read(Uint8Array.of(9, 1, 0), 3), { instanceOf: SegmentCorruptError });
  // DELTAS of width 7.
  t.throws(() => read(Uint8Array.of(3, 1, 0, 7), 3), { instanceOf: SegmentCorruptError });
  // RUNS: one run of 5 common steps (2) for 3 rows.
  t.throws(() => read(Uint8Array.of(6, 1, 0, 2, 0, 1, 5), 3), { instanceOf: SegmentCorruptError });
  // RUNS: a run ended by table index 3 of a table of 1, in either table layout.
  t.throws(() => read(Uint8Array.of(6, 1, 0, 2, 1, 8, 2, 1, 0, 3), 4), { instanceOf: SegmentCorruptError });
  t.throws(() => read(Uint8Array.of(7, 1, 0, 2, 1, 8, 0, 2, 1, 0, 3), 4), { instanceOf: SegmentCorruptError });
  // RUNS: a table of two steps with a stride of 0.
  t.throws(() => read(Uint8Array.of(7, 1, 0, 2, 2, 8, 0, 1, 3, 1, 0, 0, 0, 1), 5), { instanceOf: SegmentCorruptError });
  // A varint that never ends.
  t.throws(() => read(Uint8Array.of(4, 1, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 2), { instanceOf: SegmentCorruptError });
});

test('runs of one step ended by jumps from tables of every size, with steps past 2^32, read back exactly', (t) => {
  let state = 12_345;
  const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  for (const tableSize of [1, 2, 8, 100, 255, 256, 257, 300]) {
    for (const scale of [1, 2 ** 20, 2 ** 33]) {
      const jumps = Array.from({ length: tableSize }, (_, k) => (k + 1) * 7 * scale - 3);
      const values = [1_000_000];
      while (values.length < 2048) {
        const run = 1 + Math.floor(next() * 6);
        for (let r = 0; r < run && values.length < 2048; r++) values.push(values[values.length - 1]! + 1);
        values.push(values[values.length - 1]! + jumps[Math.floor(next() * tableSize)]!);
      }
      t.true(same(values)(roundTrip(values).back), `table of ${tableSize}, scale ${scale}`);
    }
  }
});
