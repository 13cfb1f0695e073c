/**
 * The start-up warm-up runs the export path (encode, decode, JSON pages) over made-up series:
 * every round must export every row, in both framings and all three precisions, or the code it
 * compiles is not the code a real export runs.
 */
import test from 'ava';
import { BLOCK_ROWS } from '../../src/storage/block-codec.js';
import { warmUpExportPath } from '../../src/storage/export-warm-up.js';

const ROWS_PER_ROUND = 2 * 10 * BLOCK_ROWS;

test('each warm-up round exports both made-up series whole', (t) => {
  t.is(warmUpExportPath(1), ROWS_PER_ROUND);
  t.is(warmUpExportPath(6), 6 * ROWS_PER_ROUND);
});
