import test from 'ava';
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { combinePieces } from '../../src/storage/combine.js';
import { sliceRows } from '../../src/storage/row-slice.js';

/** `count` rows at times from `firstTime`, each with a string of its own in column `s`. */
function rowsWithStrings(firstTime: number, count: number, label: string): SeriesColumns {
  const s = allocateColumn('s', count);
  const time = new Float64Array(count);
  const seq = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    time[i] = firstTime + i;
    seq[i] = 1;
    s.kinds[i] = ValueKind.String;
    s.floats[i] = s.strings.push(`${label}${i}`) - 1;
  }
  return { series: 'x', count, time, seq, columns: [s] };
}

function stringsOf(rows: SeriesColumns): string[] {
  const column = rows.columns[0]!;
  return Array.from({ length: rows.count }, (_, i) => column.strings[column.floats[i]!]!);
}

test('pieces cut from larger columns bring only the strings their own rows use', (t) => {
  const big = rowsWithStrings(0, 10_000, 'a');
  const other = rowsWithStrings(20_000, 10_000, 'b');
  const combined = combinePieces('x', [sliceRows(big, 9_997, 10_000), sliceRows(other, 0, 2)]);
  t.deepEqual(stringsOf(combined), ['a9997', 'a9998', 'a9999', 'b0', 'b1']);
  // Copying each piece's whole list made the lists a segment writer keeps for a series grow
  // with every block it wrote: 20,000 strings here for 5 rows.
  t.is(combined.columns[0]!.strings.length, 5);
});

test('a series written block by block keeps its pending strings bounded by its pending rows', (t) => {
  // What SegmentWriter does with a series' pending rows: combine, write the first rows, keep the rest.
  const source = rowsWithStrings(0, 50_000, 'v');
  let pending: SeriesColumns[] = [];
  let largestList = 0;
  for (let from = 0; from < source.count; from += 1_000) {
    pending.push(sliceRows(source, from, from + 1_000));
    const combined = combinePieces('x', pending);
    // A piece alone comes back as it is, sharing the source's list; a list made here is counted.
    const list = combined.columns[0]!.strings;
    if (list !== source.columns[0]!.strings) largestList = Math.max(largestList, list.length);
    t.deepEqual(stringsOf(combined).slice(-1), [`v${from + 999}`]);
    pending = [sliceRows(combined, Math.max(0, combined.count - 500), combined.count)];
  }
  t.true(largestList <= 1_500, `a combined list held ${largestList} strings for at most 1,500 rows`);
});
