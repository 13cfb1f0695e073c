import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BLOCK_ROWS, SEGMENT_BLOCK_ROWS } from '../../src/storage/block-codec.js';
import type { SeriesColumns } from '../../src/storage/columns.js';
import { combinePieces } from '../../src/storage/combine.js';
import { SegmentCorruptError } from '../../src/storage/compression.js';
import { sliceRows } from '../../src/storage/row-slice.js';
import { readSegmentIndex, SegmentReader, SegmentWriter, type SeriesIndex } from '../../src/storage/segment-file.js';
import { deepEqualLarge } from '../helpers/large-equal.js';
import { MIXED_KINDS, rowsOf, seriesOf, T0 } from '../helpers/series-rows.js';

function segmentPath(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-segment-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'seg-00000001.sls');
}

/** `count` rows 10 s apart: a two-decimal float `value`, and every 100th row a string `note`. */
function cpu(series: string, count: number): SeriesColumns {
  return seriesOf(
    series,
    Array.from({ length: count }, (_, i) => ({
      time: T0 + i * 10_000_000,
      values: { value: 25 + (i % 5000) / 100, note: i % 100 === 0 ? `n${i}` : null },
    })),
  );
}

/** Write `series` (added in chunks of `chunk` rows) to a new segment at `file`. */
function writeSegment(file: string, series: SeriesColumns[], chunk = 1000): void {
  const writer = new SegmentWriter(file);
  for (const rows of series) {
    writer.beginSeries('db', rows.series);
    for (let from = 0; from < rows.count; from += chunk) writer.addRows(sliceRows(rows, from, Math.min(rows.count, from + chunk)));
    writer.endSeries();
  }
  writer.finish();
}

/** Flips one bit of the byte at `at` in `file`; gives back the file's bytes from before. */
function damageByte(file: string, at: number): Buffer {
  const good = fs.readFileSync(file);
  const bytes = Buffer.from(good);
  bytes[at]! ^= 0x01;
  fs.writeFileSync(file, bytes);
  return good;
}

/** A reader of `file`, closed when the test ends. */
function openReader(t: ExecutionContext, file: string): SegmentReader {
  const reader = new SegmentReader(file);
  t.teardown(() => reader.close());
  return reader;
}

function readSeries(file: string, entry: SeriesIndex): SeriesColumns {
  const reader = new SegmentReader(file);
  try {
    return combinePieces(
      entry.series,
      entry.blocks.map((b) => reader.readBlock(b)),
    );
  } finally {
    reader.close();
  }
}

test('series of many blocks, mixed kinds and a single row come back from the index and blocks', (t) => {
  const file = segmentPath(t);
  const big = cpu('cpu.big', 2 * SEGMENT_BLOCK_ROWS + 5);
  const mixed = seriesOf('mixed', MIXED_KINDS);
  const single = cpu('cpu.one', 1);
  writeSegment(file, [big, mixed, single], 777);
  t.false(fs.existsSync(`${file}.tmp`));

  const index = readSegmentIndex(file);
  t.deepEqual(
    index.series.map((s) => [s.db, s.series, s.count, s.blocks.length]),
    [
      ['db', 'cpu.big', big.count, 3],
      ['db', 'mixed', mixed.count, 1],
      ['db', 'cpu.one', 1, 1],
    ],
  );
  // Full blocks, then the rest, then the newest rows in a small block of their own.
  t.deepEqual(
    index.series[0]!.blocks.map((b) => b.count),
    [SEGMENT_BLOCK_ROWS, SEGMENT_BLOCK_ROWS - BLOCK_ROWS + 5, BLOCK_ROWS],
  );
  for (const [entry, original] of [[index.series[0]!, big], [index.series[1]!, mixed], [index.series[2]!, single]] as const) {
    t.is(entry.minTime, original.time[0]);
    t.is(entry.maxTime, original.time[original.count - 1]);
    t.is(entry.maxSeq, original.seq[original.count - 1]);
    deepEqualLarge(t, rowsOf(readSeries(file, entry)), rowsOf(original));
  }
  const [first, second] = index.series[0]!.blocks;
  t.is(first!.maxTime, big.time[SEGMENT_BLOCK_ROWS - 1]);
  t.is(second!.minTime, big.time[SEGMENT_BLOCK_ROWS]);
});

test('block headers carry count, sum, min and max of numeric columns only', (t) => {
  const file = segmentPath(t);
  const rows = seriesOf('stats', [
    { time: T0, values: { f: 1.5, i: 10n, s: 'x', both: 1.5, never: null } },
    { time: T0 + 1, values: { f: null, i: -4n, s: 'y', both: 'text' } },
    { time: T0 + 2, values: { f: -2.25, i: 2n ** 60n, s: null, both: 2n } },
  ]);
  writeSegment(file, [rows]);
  const [block] = readSegmentIndex(file).series[0]!.blocks;
  t.deepEqual(block!.stats, [
    { name: 'f', count: 2, sum: -0.75, min: -2.25, max: 1.5 },
    { name: 'i', count: 3, sum: 6 + 2 ** 60, min: -4, max: 2 ** 60 },
  ]);
});

test('a series given no rows is left out of the index, and an empty file is valid', (t) => {
  const file = segmentPath(t);
  const writer = new SegmentWriter(file);
  writer.beginSeries('db', 'nothing');
  writer.addRows(seriesOf('nothing', []));
  writer.endSeries();
  t.deepEqual(writer.finish(), { version: 2, series: [] });
  t.deepEqual(readSegmentIndex(file), { version: 2, series: [] });
});

test('rows out of (time, sequence_number) order, within a call or across calls, are refused', (t) => {
  const writer = new SegmentWriter(segmentPath(t));
  t.teardown(() => writer.abort());
  writer.beginSeries('db', 'x');
  writer.addRows(cpu('x', 10));
  t.throws(() => writer.addRows(cpu('x', 1)), { instanceOf: RangeError });
  const backwards = seriesOf('y', [
    { time: T0 + 5, values: { v: 1 } },
    { time: T0 + 4, values: { v: 1 } },
  ]);
  t.throws(() => writer.addRows(backwards), { instanceOf: RangeError });
});

test('abort removes the temp file and never creates the segment', (t) => {
  const file = segmentPath(t);
  const writer = new SegmentWriter(file);
  writer.beginSeries('db', 'x');
  writer.addRows(cpu('x', 10));
  writer.endSeries();
  writer.abort();
  t.deepEqual(fs.readdirSync(path.dirname(file)), []);
});

test('a corrupt, truncated or foreign footer is a SegmentCorruptError', (t) => {
  const file = segmentPath(t);
  writeSegment(file, [cpu('cpu', 50)]);
  const good = fs.readFileSync(file);
  const flipped = Buffer.from(good);
  flipped[good.length - 30]! ^= 0x01;
  // The footer itself is intact here: only the checksum can tell.
  const wrongCrc = Buffer.from(good);
  wrongCrc[good.length - 12]! ^= 0x01;
  const variants: [string, Buffer][] = [
    ['flipped footer byte', flipped],
    ['wrong footer crc', wrongCrc],
    ['another format', Buffer.concat([Buffer.from('SLUSEG01'), good.subarray(8)])],
    ['truncated', good.subarray(0, good.length - 3)],
    ['empty', Buffer.alloc(0)],
    ['foreign', Buffer.from('not a segment file at all, just some text')],
    ['huge footer length', Buffer.concat([good.subarray(0, good.length - 16), Buffer.from([0xff, 0xff, 0xff, 0x0f]), good.subarray(good.length - 12)])],
  ];
  for (const [name, bytes] of variants) {
    fs.writeFileSync(file, bytes);
    t.throws(() => readSegmentIndex(file), { instanceOf: SegmentCorruptError }, name);
  }
});

test('a corrupt block is detected by its checksum when read', (t) => {
  const file = segmentPath(t);
  writeSegment(file, [cpu('cpu', 50)]);
  const [block] = readSegmentIndex(file).series[0]!.blocks;
  const good = damageByte(file, block!.offset + 10);
  const reader = openReader(t, file);
  t.throws(() => reader.readBlock(block!), { instanceOf: SegmentCorruptError });
  // Bytes that would decode fine are still refused when they are not what the index recorded.
  fs.writeFileSync(file, good);
  t.throws(() => reader.readBlock({ ...block!, crc: block!.crc ^ 1 }), { instanceOf: SegmentCorruptError });
});

test('a reader opened before the file is deleted still reads it', (t) => {
  const file = segmentPath(t);
  const rows = cpu('cpu', 100);
  writeSegment(file, [rows]);
  const [block] = readSegmentIndex(file).series[0]!.blocks;
  const reader = openReader(t, file);
  fs.rmSync(file);
  deepEqualLarge(t, rowsOf(reader.readBlock(block!)), rowsOf(rows));
});

/**
 * `series` series of `count` rows whose sequence numbers interleave as concurrent requests
 * make them: every series takes the same steps (a request's 5 points 1 apart, then a jump set
 * by the request order `order`), from its own start.
 */
function interleaved(series: number, count: number, order: (request: number) => number): SeriesColumns[] {
  return Array.from({ length: series }, (_, s) => {
    const rows = cpu(`cpu.host${s}`, count);
    const seq = Float64Array.from({ length: count }, (_, i) => 10_000 * (order(Math.floor(i / 5)) * 5 * series + s * 5 + (i % 5)) + 1);
    return { ...rows, seq };
  });
}

test('blocks whose sequence numbers step as an earlier block of the file store only their first, and come back exactly', (t) => {
  const file = segmentPath(t);
  // Requests arrive out of order in pairs, so the steps are not even and cost bytes.
  const series = interleaved(20, SEGMENT_BLOCK_ROWS + BLOCK_ROWS + 300, (r) => r ^ 1);
  writeSegment(file, series);
  const index = readSegmentIndex(file);
  const [firstSeries, ...others] = index.series;
  t.true(firstSeries!.blocks.every((b) => b.seqFrom === undefined), 'the first series has no earlier block to share');
  for (const entry of others) {
    t.deepEqual(
      entry.blocks.map((b) => b.seqFrom),
      firstSeries!.blocks.map((b) => [b.offset, b.length, b.crc]),
    );
  }
  index.series.forEach((entry, s) => {
    const back = readSeries(file, entry);
    deepEqualLarge(t, [...back.seq], [...series[s]!.seq]);
    deepEqualLarge(t, rowsOf(back), rowsOf(series[s]!));
  });
  // The same rows with steps of their own (each series its own request order) take more room.
  const unshared = segmentPath(t);
  writeSegment(unshared, series.map((rows, s) => ({ ...rows, seq: rows.seq.map((v, i) => v + (i % (s + 2) === 0 ? 1 : 0)) })));
  t.true(readSegmentIndex(unshared).series.every((entry) => entry.blocks.every((b) => b.seqFrom === undefined)));
  t.true(fs.statSync(file).size < fs.statSync(unshared).size - 19 * 2 * 100, `${fs.statSync(file).size} against ${fs.statSync(unshared).size}`);
});

test('sequence numbers are shared only when they come back bit for bit, and only by blocks of 64 rows or more', (t) => {
  const file = segmentPath(t);
  const [a, b, c, d] = interleaved(4, 200, (r) => r);
  // −0 is not 0, and a step of 0.5 off is not the same step.
  const withNegativeZero = { ...b!, seq: Float64Array.from(a!.seq, (v) => v - a!.seq[0]!) };
  withNegativeZero.seq[0] = -0;
  const offByHalf = { ...c!, seq: c!.seq.map((v, i) => (i === 100 ? v + 0.5 : v)) };
  const small = interleaved(2, 63, (r) => r);
  writeSegment(file, [a!, withNegativeZero, offByHalf, d!, ...small]);
  const index = readSegmentIndex(file);
  t.deepEqual(
    index.series.map((entry) => entry.blocks.map((block) => block.seqFrom !== undefined)),
    [[false], [false], [false], [true], [false], [false]],
  );
  const written = [a!, withNegativeZero, offByHalf, d!, ...small];
  index.series.forEach((entry, s) => {
    const back = readSeries(file, entry);
    t.true(back.seq.every((v, i) => Object.is(v, written[s]!.seq[i])), entry.series);
  });
});

test('a block is refused when the block whose sequence numbers it shares is damaged, or is not in the file', (t) => {
  const file = segmentPath(t);
  writeSegment(file, interleaved(2, 100, (r) => r));
  const [source, sharing] = readSegmentIndex(file).series.map((entry) => entry.blocks[0]!);
  t.truthy(sharing!.seqFrom);
  damageByte(file, source!.offset + 10);
  const reader = openReader(t, file);
  t.throws(() => reader.readBlock(sharing!), { instanceOf: SegmentCorruptError });
  // Named as a source, a block that itself shares cannot give its numbers: no chains, no loops.
  t.throws(() => reader.readBlock({ ...sharing!, seqFrom: [sharing!.offset, sharing!.length, sharing!.crc] }), { instanceOf: SegmentCorruptError });
  t.throws(() => reader.readBlock({ ...sharing!, seqFrom: undefined }), { instanceOf: SegmentCorruptError, message: /none was given/ });
});
