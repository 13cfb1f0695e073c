/**
 * Arrow record batch encoder micro-benchmark, one core: RecordBatchBuilder on 1M rows of the
 * ingest workload's shape (1024-row blocks of one two-decimal float column, as decoded segment
 * blocks hold them), in 32,768-row batches as a `format=arrow` export builds them (one builder, a shared slot), newest row
 * first (the default order); then with the column's kinds looked at row by row (memtable
 * blocks), and with an int column; then the head of an answer over many series, and over many
 * columns. CPU time, best of ROUNDS.
 *
 * Run: npm run build && node dist/bench/arrow-batch.js   (ROWS=1000000 ROUNDS=5)
 */
import { RecordBatchBuilder, type ArrowLayout } from '../src/engine/arrow/record-batch.js';
import { allocateColumn, ValueKind, type Column } from '../src/storage/columns.js';
import { arrowStreamHead } from '../src/engine/arrow/stream-head.js';
import { bestNanos } from './lib/timing.js';

const rows = Number(process.env.ROWS ?? 1_000_000);
const rounds = Number(process.env.ROUNDS ?? 5);
const BLOCK = 1024;
const BATCH = 32_768;

interface Block {
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly column: Column;
}

function blocks(kind: ValueKind, uniform: boolean): Block[] {
  const out: Block[] = [];
  for (let start = 0; start < rows; start += BLOCK) {
    const n = Math.min(BLOCK, rows - start);
    const time = new Float64Array(n);
    const seq = new Float64Array(n);
    const column = allocateColumn('value', n);
    for (let i = 0; i < n; i++) {
      time[i] = 1_400_000_000_000_000 + (start + i) * 10_000_000;
      seq[i] = (start + i + 1) * 10_000 + 1;
      column.kinds[i] = kind;
      if (kind === ValueKind.Int) column.ints[i] = BigInt(i * 37);
      else column.floats[i] = Math.round(Math.random() * 10_000) / 100;
    }
    if (uniform) column.uniformKind = kind;
    out.push({ time, seq, column });
  }
  return out;
}

function measure(label: string, layout: ArrowLayout, input: Block[]): void {
  const picks = new Int32Array(BLOCK);
  // As a scan cursor does: one builder reused, batches written into a shared slot.
  const batch = new RecordBatchBuilder(layout, BATCH);
  const slot = new SharedArrayBuffer(BATCH * 40 + 65_536);
  let bytes = 0;
  const pass = (): void => {
    bytes = 0;
    batch.reset();
    for (let b = input.length - 1; b >= 0; b--) {
      const { time, seq, column } = input[b]!;
      for (let k = 0; k < time.length; k++) picks[k] = time.length - 1 - k;
      if (batch.rows + time.length > batch.capacity) {
        bytes += batch.finish(slot).byteLength;
        batch.reset();
      }
      batch.append(0, time, seq, [column], picks, time.length);
    }
    bytes += batch.finish(slot).byteLength;
  };
  const best = bestNanos(pass, 1, rounds);
  console.log(`${label.padEnd(44)} ${(best / rows).toFixed(1).padStart(6)} ns/row  ${((rows / best) * 1000).toFixed(0).padStart(5)} M rows/s  ${(bytes / rows).toFixed(1)} B/row`);
}

const layout = (type: 'float64' | 'int64'): ArrowLayout => ({ precision: 'ms', withSeq: true, columns: [{ name: 'value', type }] });
measure('float column stored uniform (segments)', layout('float64'), blocks(ValueKind.Float, true));
measure('float column, kinds per row (memtable)', layout('float64'), blocks(ValueKind.Float, false));
measure('int column', layout('int64'), blocks(ValueKind.Int, false));

// The answer's head (schema, series dictionary, empty batch), written once per answer on the
// event loop: its cost grows with the series and columns an answer may name.
function measureHead(label: string, headLayout: ArrowLayout, names: readonly string[]): void {
  const started = process.hrtime.bigint();
  arrowStreamHead(headLayout, names);
  const first = Number(process.hrtime.bigint() - started);
  const best = bestNanos(() => arrowStreamHead(headLayout, names), 1, 3 * rounds);
  console.log(`${label.padEnd(44)} ${(best / 1e6).toFixed(2).padStart(6)} ms  (first call ${(first / 1e6).toFixed(1)} ms)`);
}
const seriesNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `cpu.host-${i}.usage_idle`);
measureHead('stream head, 40,000 series', layout('float64'), seriesNames(40_000));
measureHead('stream head, 1 series of 20,000 columns', { precision: 'ms', withSeq: true, columns: Array.from({ length: 20_000 }, (_, i) => ({ name: `field_${i}`, type: 'float64' as const })) }, seriesNames(1));
