import { copyUsedStrings, isConstantColumn, type Column, type SeriesColumns } from './columns.js';
import { sliceRows } from './row-slice.js';
import { decodeWriteBatch, encodeWriteBatch } from './write-batch.js';

/**
 * A write batch cut into at most `pieces` batches of about as many points each, in order: series
 * entries whole where they fit, a long one cut by rows. Each piece is a batch of its own, as
 * the parser would have made it for those points (its points keep their sequence-number
 * ordinals, so the pieces are numbered as the whole would have been). The same batch is always
 * cut the same way. For cluster mode, where a partition's part of a write must fit one message.
 */
export function splitWriteBatch(batch: Uint8Array, pieces: number): Uint8Array[] {
  const { db, pointCount, series } = decodeWriteBatch(batch);
  const perPiece = Math.max(1, Math.ceil(pointCount / Math.max(1, pieces)));
  const out: Uint8Array[] = [];
  let piece: SeriesColumns[] = [];
  let inPiece = 0;
  for (const entry of series) {
    for (let from = 0; from < entry.count; ) {
      const to = Math.min(entry.count, from + perPiece - inPiece);
      piece.push(withOwnStrings(sliceRows(entry, from, to)));
      inPiece += to - from;
      from = to;
      if (inPiece === perPiece) {
        out.push(encodeWriteBatch(db, piece));
        piece = [];
        inPiece = 0;
      }
    }
  }
  if (piece.length > 0) out.push(encodeWriteBatch(db, piece));
  return out;
}

/** A slice's string columns with only the strings its rows name, renumbered: each piece carries its own. */
function withOwnStrings(rows: SeriesColumns): SeriesColumns {
  // A constant column names its one string for every row; a column of one string at most has nothing to drop.
  const sharesStrings = (column: Column): boolean => column.strings.length > 1 && !isConstantColumn(column);
  if (!rows.columns.some(sharesStrings)) return rows;
  return { ...rows, columns: rows.columns.map((column) => (sharesStrings(column) ? ownStrings(column, rows.count) : column)) };
}

function ownStrings(column: Column, count: number): Column {
  const floats = new Float64Array(count);
  // Copied as bytes: an int64 slot may hold a NaN bit pattern a float copy could rewrite.
  new Uint8Array(floats.buffer).set(new Uint8Array(column.floats.buffer, column.floats.byteOffset, count * 8));
  const strings: string[] = [];
  copyUsedStrings(column, count, strings, floats, 0);
  return { name: column.name, kinds: column.kinds, floats, ints: new BigInt64Array(floats.buffer), strings };
}
