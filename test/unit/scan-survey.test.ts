/**
 * An Arrow answer's survey (ScanCursor.survey) takes the kinds of a segment block it reads
 * whole from the block's header, without loading the block; blocks cut by the time range,
 * and blocks of files written before headers recorded kinds, are loaded and give the kinds
 * of their rows in range. Real segment files, with each block's load counted.
 */
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { columnTypeOf } from '../../src/engine/arrow/column-types.js';
import { BLOCK_ROWS } from '../../src/storage/block-codec.js';
import type { BlockHeader } from '../../src/storage/block-header.js';
import { ScanCursor, type ScanRequest } from '../../src/operators/scan-cursor.js';
import type { SeriesSnapshot } from '../../src/storage/series-snapshot.js';
import { blockPiece, readSegmentIndex, SegmentReader, SegmentWriter } from '../../src/storage/segment-file.js';
import { seriesBlocks } from '../../src/storage/series-blocks.js';
import { seriesOf, T0, type Value } from '../helpers/series-rows.js';

const STEP = 1_000_000;
const ROWS = 3 * BLOCK_ROWS;
/** The first row holds a string, the last an int beyond 2^53; the rest are floats. */
const valueAt = (i: number): Value => (i === 0 ? 'first' : i === ROWS - 1 ? 2n ** 60n : i / 4);

function writeSegment(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-survey-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'seg-00000001.sls');
  // Three blocks of BLOCK_ROWS, so each edge and the middle are blocks of their own.
  const writer = new SegmentWriter(file, BLOCK_ROWS);
  writer.beginSeries('db', 'mixed');
  writer.addRows(seriesOf('mixed', Array.from({ length: ROWS }, (_, i) => ({ time: T0 + i * STEP, values: { v: valueAt(i), n: i } }))));
  writer.endSeries();
  writer.finish();
  return file;
}

/** Surveys `[startUs, endUs)` of the file's series: the column types, and how many blocks were loaded. */
function survey(file: string, startUs: number, endUs: number, headers = (h: BlockHeader): BlockHeader => h): { types: Record<string, string>; loads: number } {
  const reader = new SegmentReader(file);
  try {
    let loads = 0;
    const pieces = readSegmentIndex(file).series[0]!.blocks.map((header) =>
      blockPiece(headers(header), () => {
        loads++;
        return reader.readBlock(header);
      }),
    );
    const snapshot: SeriesSnapshot = { columns: ['v', 'n'], blocks: (answered) => seriesBlocks(pieces, startUs, endUs, 'asc', BLOCK_ROWS, answered) };
    const request: ScanRequest = {
      db: 'db', series: ['mixed'], startUs, endUs, fields: '*', order: 'asc', where: undefined, whereColumns: [], limit: 0,
      precision: 'u', pointsPerObject: 100, pointsPerPage: 1000, rowIndent: null,
    };
    const { kinds } = new ScanCursor(request, () => snapshot).survey();
    return { types: Object.fromEntries(Object.entries(kinds).map(([name, set]) => [name, columnTypeOf(set)])), loads };
  } finally {
    reader.close();
  }
}

test('blocks read whole give their kinds from the header, none is loaded', (t) => {
  const file = writeSegment(t);
  t.deepEqual(survey(file, T0, T0 + ROWS * STEP), { types: { v: 'text', n: 'float64' }, loads: 0 });
});

test('a block the range cuts is loaded, and only its rows in range count', (t) => {
  const file = writeSegment(t);
  // Leaves out the first row (the string) and the last (the wide int): both edge blocks are cut.
  t.deepEqual(survey(file, T0 + STEP, T0 + (ROWS - 1) * STEP), { types: { v: 'float64', n: 'float64' }, loads: 2 });
  // Up to the end: the wide int is in, so v holds floats and an int beyond 2^53.
  t.deepEqual(survey(file, T0 + STEP, T0 + ROWS * STEP), { types: { v: 'text', n: 'float64' }, loads: 1 });
});

test('a file written before headers recorded kinds is surveyed by loading its blocks', (t) => {
  const file = writeSegment(t);
  const withoutKinds = ({ kinds: _kinds, ...header }: BlockHeader): BlockHeader => header;
  t.deepEqual(survey(file, T0, T0 + ROWS * STEP, withoutKinds), { types: { v: 'text', n: 'float64' }, loads: 3 });
});
