import { ValueKind, type SeriesColumns } from './columns.js';
import { pickRows } from './row-pick.js';

/*
 * Erasures: a `null` written for a column of an existing point removes its value (§4.6). The
 * write keeps the null as ValueKind.Erased through the WAL, memtable and segments, so that
 * merging a point's versions (combine.ts: newest non-null kind wins) lets it hide the older
 * value; only then does it become an ordinary Null.
 */

/** Whether any value of `rows` is an erasure (a `null` written over a point's column). */
function hasErasures(rows: SeriesColumns): boolean {
  for (const column of rows.columns) {
    // A column a block stored uniform holds one value kind in every row: nothing to look for.
    if (column.uniformKind !== undefined) continue;
    const kinds = column.kinds.length === rows.count ? column.kinds : column.kinds.subarray(0, rows.count);
    if (kinds.indexOf(ValueKind.Erased) >= 0) return true;
  }
  return false;
}

/**
 * Rows as queries see them: erasures (§4.6) are no value. Rows merged from every piece of a
 * series have already let an erasure hide the older values it was written over.
 * With `dropEmpty`, rows left without any value are removed (compaction of a series' oldest
 * data, where nothing older remains for them to hide).
 */
export function settleErasures(rows: SeriesColumns, dropEmpty = false): SeriesColumns {
  if (!hasErasures(rows)) return rows;
  const columns = rows.columns.map((column) => {
    const kinds = column.kinds.slice(0, rows.count);
    for (let i = 0; i < kinds.length; i++) if (kinds[i] === ValueKind.Erased) kinds[i] = ValueKind.Null;
    return { ...column, kinds };
  });
  const settled = { ...rows, columns };
  if (!dropEmpty) return settled;
  const keep: number[] = [];
  for (let i = 0; i < rows.count; i++) if (columns.some((c) => c.kinds[i] !== ValueKind.Null)) keep.push(i);
  return keep.length === rows.count ? settled : pickRows(settled, keep);
}

/** Blocks as queries see them (see settleErasures). */
export function* settledBlocks(blocks: Iterable<SeriesColumns>): Generator<SeriesColumns> {
  for (const block of blocks) yield settleErasures(block);
}
