import type { ScanOrder } from '../../src/engine/aggregates/aggregate.js';
import type { AggregateSpec } from '../../src/engine/registry.js';
import { compareRankedValues, type Scalar } from '../../src/engine/values.js';

/*
 * The aggregates written row by row, straight from functions.md, as the property tests'
 * oracle: rows in scan order, one bucket at a time, no partials.
 */

export interface Row {
  readonly time: number;
  readonly seq: number;
  readonly value: Scalar;
}

const isNumber = (v: Scalar): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
const numbers = (rows: readonly Row[]): number[] => rows.map((r) => r.value).filter(isNumber).map(Number);
const floated = (v: Scalar): Scalar => (typeof v === 'bigint' ? Number(v) : v);

/** Rows of one bucket as 0.8 feeds them: by (time, seq) in the query direction. */
export function inScanOrder(rows: readonly Row[], order: ScanOrder): Row[] {
  const sorted = [...rows].sort((a, b) => a.time - b.time || a.seq - b.seq);
  return order === 'asc' ? sorted : sorted.reverse();
}

function rank(values: readonly number[], p: number): Scalar {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.floor((values.length * p) / 100 + 0.5) - 1;
  return index < 0 ? 0 : sorted[index]!;
}

function firstAppearances(rows: readonly Row[], keepNull: boolean): Map<Scalar, number> {
  const counts = new Map<Scalar, number>();
  for (const { value } of rows) {
    if (value === null && !keepNull) continue;
    const key = floated(value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function edges(rows: readonly Row[]): [Row, Row] | null {
  const numeric = rows.filter((r) => isNumber(r.value));
  return numeric.length < 2 ? null : [numeric[0]!, numeric[numeric.length - 1]!];
}

/** Output rows of `spec` for the rows of one bucket, given in scan order. */
export function reference(spec: AggregateSpec, rows: readonly Row[]): Scalar[][] {
  switch (spec.name) {
    case 'count':
      return [[spec.inner === undefined ? rows.length : reference(spec.inner, rows).length]];
    case 'sum':
      return [[numbers(rows).reduce((a, b) => a + b, 0)]];
    case 'mean':
      return [[numbers(rows).reduce((a, b) => a + b, 0) / rows.length]];
    case 'min':
    case 'max': {
      const values = numbers(rows);
      if (values.length === 0) return [[null]];
      return [[spec.name === 'min' ? Math.min(...values) : Math.max(...values)]];
    }
    case 'median':
      return [[rank(numbers(rows), 50)]];
    case 'percentile':
      return [[rank(numbers(rows), spec.p)]];
    case 'distinct':
      return [...firstAppearances(rows, false).keys()].map((v) => [v]);
    case 'mode': {
      const counts = firstAppearances(rows, true);
      const highest = Math.max(...counts.values());
      return [...counts].filter(([, n]) => n === highest).map(([v]) => [v]);
    }
    case 'histogram': {
      const counts = new Map<number, number>();
      for (const { value } of rows) {
        const index = isNumber(value) ? Math.trunc(Number(value) / spec.size) : 0;
        counts.set(index, (counts.get(index) ?? 0) + 1);
      }
      return [...counts].sort(([a], [b]) => a - b).map(([index, n]) => [index * spec.size + 0, n]);
    }
    case 'stddev': {
      const values = numbers(rows);
      if (values.length === 0) return [];
      // Two passes: the textbook-exact population variance.
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return [[Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / values.length)]];
    }
    case 'derivative': {
      const ends = edges(rows);
      if (ends === null) return [];
      const [f, l] = ends;
      const d = (Number(l.value) - Number(f.value)) / ((l.time - f.time) / 1e6);
      return [[Number.isFinite(d) ? d : null]];
    }
    case 'difference': {
      const ends = edges(rows);
      return ends === null ? [] : [[Number(ends[1].value) - Number(ends[0].value)]];
    }
    case 'first':
      return [[rows[0]!.value]];
    case 'last':
      return [[rows[rows.length - 1]!.value]];
    case 'top':
    case 'bottom': {
      const sign = spec.name === 'top' ? -1 : 1;
      // A stable sort keeps scan order among equal values: earlier-scanned first.
      const best = rows.map((r) => r.value).sort((a, b) => sign * compareRankedValues(a, b));
      return best.slice(0, spec.n).map((v) => [typeof v === 'boolean' ? null : v]);
    }
  }
}
