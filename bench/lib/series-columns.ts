/**
 * The bench workload as stored columns, for storage micro-benchmarks: one series of
 * bench/lib/dataset.ts — points 10 s apart, a two-decimal `value` random-walking in 25–75,
 * and the sequence numbers a time-major bulk write over `SERIES` series assigns.
 */
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { random, seriesName, SPACING_S } from './dataset.js';

export const SERIES = 1000;
const START_US = 1_700_000_000_000_000;

export function benchSeries(index: number, count: number): SeriesColumns {
  const next = random(42 + index);
  const time = new Float64Array(count);
  const seq = new Float64Array(count);
  const value = allocateColumn('value', count);
  let walk = 25 + next() * 50;
  for (let i = 0; i < count; i++) {
    time[i] = START_US + i * SPACING_S * 1_000_000;
    seq[i] = (i * SERIES + index) * 10_000 + 1;
    walk = Math.min(75, Math.max(25, walk + (next() - 0.5) * 2));
    value.floats[i] = Math.round(walk * 100) / 100;
    value.kinds[i] = ValueKind.Float;
  }
  return { series: seriesName(index), count, time, seq, columns: [value] };
}
