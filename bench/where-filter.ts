/**
 * Where-clause micro-benchmark, one core: the rows of 1M-row workloads, in blocks of 1024,
 * that pass typical predicates — a float column against a constant, a range, a string
 * equality, `in`, a regex, arithmetic — selected as the scans select them (a mask per block
 * from operators/where-filter.ts, then a selection vector).
 *
 * Each figure is the CPU time of the best of ROUNDS passes (lib/timing.ts).
 *
 * Run: npm run build && node dist/bench/where-filter.js   (ROWS=1000000 ROUNDS=5)
 */
import { parseQuery } from '../src/query/parser.js';
import type { Condition } from '../src/query/ast.js';
import { compileWhere } from '../src/operators/where-filter.js';
import { allocateColumn, ValueKind, type Column } from '../src/storage/columns.js';
import { bestNanos } from './lib/timing.js';

const rows = Number(process.env.ROWS ?? 1_000_000);
const rounds = Number(process.env.ROUNDS ?? 5);
const BLOCK = 1024;

interface Block {
  readonly count: number;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: Column[];
}

/** `value`: floats 0–100 with a null in every 16th row; `host`: one of 8 strings. */
function blocks(): Block[] {
  const out: Block[] = [];
  for (let at = 0; at < rows; at += BLOCK) {
    const count = Math.min(BLOCK, rows - at);
    const time = new Float64Array(count);
    const seq = new Float64Array(count);
    const value = allocateColumn('value', count);
    const host = allocateColumn('host', count);
    host.strings.push(...Array.from({ length: 8 }, (_, h) => `h${h}`));
    for (let i = 0; i < count; i++) {
      time[i] = (at + i) * 10_000_000;
      seq[i] = at + i + 1;
      if ((at + i) % 16 !== 0) {
        value.kinds[i] = ValueKind.Float;
        value.floats[i] = Math.round(Math.random() * 10_000) / 100;
      }
      host.kinds[i] = ValueKind.String;
      host.floats[i] = (at + i) % 8;
    }
    out.push({ count, time, seq, columns: [value, host] });
  }
  return out;
}

function where(text: string): Condition {
  const statement = parseQuery(`select * from s where ${text}`);
  if (statement.kind !== 'select' || statement.where === undefined) throw new Error(text);
  return statement.where;
}

/** Best CPU ns/row over the rounds, after a warm-up pass; and the rows that passed. */
function measure(data: readonly Block[], condition: Condition): { nsPerRow: number; passed: number } {
  const filter = compileWhere(condition);
  const selection = new Uint32Array(BLOCK);
  let passed = 0;
  const pass = (): void => {
    passed = 0;
    for (const block of data) {
      const byName = new Map(block.columns.map((c) => [c.name, c]));
      const passes = filter({ count: block.count, time: block.time, seq: block.seq, column: (n) => byName.get(n) }, 0, block.count);
      let n = 0;
      for (let i = 0; i < block.count; i++) {
        selection[n] = i;
        n += passes[i]!;
      }
      passed += n;
    }
  };
  return { nsPerRow: bestNanos(pass, 1, rounds) / rows, passed };
}

const data = blocks();
for (const text of [
  'value > 50',
  'value > 20 and value < 80',
  "host = 'h3'",
  "host in ('h1', 'h2') or value < 10",
  'host =~ /h[12]/',
  'value * 2 - 1 > 100',
]) {
  const { nsPerRow, passed } = measure(data, where(text));
  console.log(`${text.padEnd(40)} ${nsPerRow.toFixed(1).padStart(6)} ns/row  ${((100 * passed) / rows).toFixed(1).padStart(5)}% pass`);
}
