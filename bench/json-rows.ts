/**
 * JSON row encoder micro-benchmark, one core: `writeRow` (the export hot path) on 1M rows of
 * the ingest benchmark's shape — time in seconds, a server-assigned sequence number, one
 * two-decimal float — plus rows with an int column, and rows whose µs times lie beyond 2^53
 * (after the year 2255), which take the exact slow path; then the float rows again through
 * `writeFloatRows`, a block's worth at a time, as exports of float columns print them.
 *
 * Each figure is the CPU time of the best of ROUNDS passes over the rows: on a shared machine
 * wall time mostly measures the neighbours.
 *
 * Run: npm run build && node dist/bench/json-rows.js   (ROWS=1000000 ROUNDS=5)
 */
import { allocateColumn, ValueKind, type Column } from '../src/storage/columns.js';
import { FLOAT_ROWS_AT_ONCE, int32Halves, writeFloatRows, writeRow } from '../src/engine/json/json-rows.js';
import { JsonWriter } from '../src/engine/json/json-writer.js';
import { fromMicros, type TimePrecision } from '../src/time-precision.js';

const rows = Number(process.env.ROWS ?? 1_000_000);
const rounds = Number(process.env.ROUNDS ?? 5);

interface Workload {
  readonly label: string;
  readonly precision: TimePrecision;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: Column[];
}

function workload(label: string, precision: TimePrecision, firstUs: number, kind: ValueKind): Workload {
  const time = new Float64Array(rows);
  const seq = new Float64Array(rows);
  const column = allocateColumn('value', rows);
  for (let i = 0; i < rows; i++) {
    time[i] = firstUs + i * 10_000_000;
    seq[i] = (i + 1) * 10_000 + 1;
    column.kinds[i] = kind;
    if (kind === ValueKind.Int) column.ints[i] = BigInt(i * 37);
    else column.floats[i] = Math.round(Math.random() * 10_000) / 100;
  }
  return { label, precision, time, seq, columns: [column] };
}

/**
 * Best CPU ns/row over the rounds, after a warm-up pass: row by row (`writeRow`, every export
 * but runs of float rows), or `inRuns`, a block's worth at a time (`writeFloatRows`).
 */
function measure(work: Workload, inRuns = false): { nsPerRow: number; bytes: number } {
  const halves = work.columns.map(int32Halves);
  const floats = work.columns.map((c) => c.floats);
  const out = new JsonWriter(64 << 20);
  const pass = (): void => {
    out.length = 0;
    if (inRuns) {
      for (let i = 0; i < rows; i += FLOAT_ROWS_AT_ONCE) writeFloatRows(out, work.time, work.seq, work.precision, floats, i, 1, Math.min(FLOAT_ROWS_AT_ONCE, rows - i), i > 0);
      return;
    }
    for (let i = 0; i < rows; i++) {
      writeRow(out, fromMicros(work.time[i]!, work.precision), work.seq[i]!, work.columns, halves, i, null);
      out.byte(44);
    }
  };
  pass();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    pass();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) * 1000);
  }
  return { nsPerRow: best / rows, bytes: out.length };
}

const YEAR_2014_US = 1_400_000_000_000_000;
const YEAR_3000_US = 32_503_680_000_000_000;
for (const work of [
  workload('float value, time in s', 's', YEAR_2014_US, ValueKind.Float),
  workload('float value, time in ms', 'ms', YEAR_2014_US, ValueKind.Float),
  workload('int value, time in u', 'u', YEAR_2014_US, ValueKind.Int),
  workload('float value, year-3000 time in u (beyond 2^53)', 'u', YEAR_3000_US, ValueKind.Float),
]) {
  const { nsPerRow, bytes } = measure(work);
  console.log(`${work.label.padEnd(50)} ${nsPerRow.toFixed(1).padStart(6)} ns/row  ${(bytes / rows).toFixed(1)} B/row`);
}
for (const work of [workload('float value, time in s, in runs', 's', YEAR_2014_US, ValueKind.Float), workload('float value, time in ms, in runs', 'ms', YEAR_2014_US, ValueKind.Float)]) {
  const { nsPerRow, bytes } = measure(work, true);
  console.log(`${work.label.padEnd(50)} ${nsPerRow.toFixed(1).padStart(6)} ns/row  ${(bytes / rows).toFixed(1)} B/row`);
}
