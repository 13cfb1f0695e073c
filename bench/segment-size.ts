/**
 * Bytes per point on disk and encode/decode speed of one series' segment entry.
 *
 * Workload: 10,000 points 10 s apart (integer µs), sequence numbers 10,000,000 apart, one
 * `value` column of floats with two decimals, as a uniform draw in 0–100 and as a random
 * walk in steps of up to ±1. A 100-point series shows the fixed cost of schema and envelope.
 * Peers on comparable data: VictoriaMetrics ≈ 1.6 B/point, InfluxDB 1.6 ≈ 7.2 B/point.
 *
 * Run: npm run build && node dist/bench/segment-size.js
 */
import { allocateColumn, ValueKind, type SeriesColumns } from '../src/storage/columns.js';
import { decodeSeriesSegment, encodeSeriesSegment } from '../src/storage/segment-codec.js';
import { random } from './lib/dataset.js';

const START_US = 1_700_000_000_000_000;
const SPACING_US = 10_000_000;
const SEQ_STRIDE = 10_000_000;
const MIN_SECONDS = 1;


type Values = 'uniform' | 'walk';

function makeSeries(count: number, values: Values): SeriesColumns {
  const next = random(42);
  const time = new Float64Array(count);
  const seq = new Float64Array(count);
  const value = allocateColumn('value', count);
  let walk = 50;
  for (let i = 0; i < count; i++) {
    time[i] = START_US + i * SPACING_US;
    seq[i] = 1 + i * SEQ_STRIDE;
    if (values === 'uniform') {
      value.floats[i] = Math.round(next() * 10_000) / 100;
    } else {
      walk = Math.min(100, Math.max(0, walk + (next() - 0.5) * 2));
      value.floats[i] = Math.round(walk * 100) / 100;
    }
    value.kinds[i] = ValueKind.Float;
  }
  return { series: `cpu.${values}`, count, time, seq, columns: [value] };
}

/** Points per second of `run`, which handles `points` points per call, over ≥ MIN_SECONDS. */
function rate(points: number, run: () => void): number {
  for (let i = 0; i < 20; i++) run();
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS) {
    for (let i = 0; i < 10; i++) run();
    calls += 10;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return (calls * points) / elapsed;
}

function millions(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(1)} M points/s`;
}

for (const [count, values] of [
  [10_000, 'uniform'],
  [10_000, 'walk'],
  [100, 'walk'],
] as const) {
  const series = makeSeries(count, values);
  const bytes = encodeSeriesSegment(series);
  const encodeRate = rate(count, () => encodeSeriesSegment(series));
  const decodeRate = rate(count, () => decodeSeriesSegment(bytes));
  console.log(
    `${String(count).padStart(6)} points, ${values.padEnd(7)}: ` +
      `${bytes.byteLength} bytes = ${(bytes.byteLength / count).toFixed(3)} B/point, ` +
      `encode ${millions(encodeRate)}, decode ${millions(decodeRate)}`,
  );
}
