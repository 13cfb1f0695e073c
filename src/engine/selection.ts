import { ValueKind, type Column } from '../storage/columns.js';

/*
 * Where-predicate results. A predicate evaluated over a block yields a bitmap (one bit per
 * row, so and/or are word operations); operators downstream walk a selection vector (the
 * ascending indices of the rows that passed), which is what gather() and aggregation take.
 */

/** Ascending row indices of a block. */
export type Selection = Uint32Array;

/** One bit per row, row i at bit (i & 31) of word (i >>> 5). */
export type Bitmap = Uint32Array;

export function emptyBitmap(rows: number): Bitmap {
  return new Uint32Array((rows + 31) >>> 5);
}

export function setBit(bitmap: Bitmap, row: number): void {
  bitmap[row >>> 5]! |= 1 << (row & 31);
}

export function andBitmaps(a: Bitmap, b: Bitmap): Bitmap {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & b[w]!;
  return out;
}

export function orBitmaps(a: Bitmap, b: Bitmap): Bitmap {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! | b[w]!;
  return out;
}

/** Every row of a block of `rows` rows. */
export function allRows(rows: number): Selection {
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = i;
  return out;
}

/** The set rows of a bitmap over `rows` rows, in order. */
export function selectionOf(bitmap: Bitmap, rows: number): Selection {
  const out = new Uint32Array(rows);
  let n = 0;
  for (let w = 0; w < bitmap.length; w++) {
    let word = bitmap[w]!;
    while (word !== 0) {
      const bit = 31 - Math.clz32(word & -word);
      const row = (w << 5) + bit;
      if (row >= rows) break;
      out[n++] = row;
      word &= word - 1;
    }
  }
  return out.slice(0, n);
}

/** Rows in both selections (a sorted merge). */
export function intersect(a: Selection, b: Selection): Selection {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.slice(0, n);
}

/** First index whose element is >= `value` in an ascending array. */
export function lowerBound(sorted: Float64Array | Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `selection` whose time lies in [start, end) (query-language.md §6.4). Time is
 * sorted, so the range is found by binary search, not by testing every row.
 */
export function restrictToTimeRange(time: Float64Array, selection: Selection, start: number, end: number): Selection {
  const from = lowerBound(time, start);
  const to = lowerBound(time, end);
  return selection.subarray(lowerBound(selection, from), lowerBound(selection, to));
}

/**
 * Rows where at least one referenced column has a value: only those exist for a query
 * (query-language.md §9.3) and are fed to aggregates.
 */
export function rowsWithAnyValue(columns: readonly Column[], selection: Selection): Selection {
  const out = new Uint32Array(selection.length);
  let n = 0;
  for (let s = 0; s < selection.length; s++) {
    const row = selection[s]!;
    for (let c = 0; c < columns.length; c++) {
      if (columns[c]!.kinds[row] !== ValueKind.Null) {
        out[n++] = row;
        break;
      }
    }
  }
  return out.slice(0, n);
}
