import type { ArrowLayout } from '../../src/engine/arrow/record-batch.js';

/** An answer layout with a column of every Arrow type an answer uses, and sequence numbers. */
export const EVERY_COLUMN_TYPE: ArrowLayout = {
  precision: 'u',
  withSeq: true,
  columns: [
    { name: 'f', type: 'float64' },
    { name: 'i', type: 'int64' },
    { name: 'b', type: 'bool' },
    { name: 's', type: 'utf8' },
    { name: 'x', type: 'text' },
  ],
};
