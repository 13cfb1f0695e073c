/**
 * Aggregate throughput of the engine: 10 M float64 values, 10 s apart, in blocks of 4096
 * rows, `group by time(1h)` (360 rows a bucket), one partial per function folding every
 * block as a shard thread does, then finishing every bucket; each function also on columns
 * marked uniform, as decoded segment blocks are. Baseline: a bare loop taking the max of a Float64Array.
 *
 * Run: npm run build && node dist/bench/aggregates.js   (about 15 s)
 */
import { allocateColumn, ValueKind } from '../src/storage/columns.js';
import type { Aggregate } from '../src/engine/aggregates/aggregate.js';
import { bucketRuns } from '../src/engine/buckets.js';
import { accumulate, emptyPartial, finish } from '../src/engine/partials.js';
import { createAggregate, type AggregateSpec } from '../src/engine/registry.js';
import type { AggregateRows } from '../src/engine/rows.js';
import { random } from './lib/dataset.js';

const VALUES = 10_000_000;
const BLOCK_ROWS = 4096;
const SPACING_US = 10_000_000;
const HOUR_US = 3_600_000_000;
const START_US = 1_700_000_000_000_000;
const ROUNDS = 5;

function makeBlocks(): AggregateRows[] {
  const next = random(7);
  const blocks: AggregateRows[] = [];
  for (let first = 0; first < VALUES; first += BLOCK_ROWS) {
    const count = Math.min(BLOCK_ROWS, VALUES - first);
    const time = new Float64Array(count);
    const seq = new Float64Array(count);
    const values = allocateColumn('value', count);
    for (let i = 0; i < count; i++) {
      time[i] = START_US + (first + i) * SPACING_US;
      seq[i] = first + i;
      values.kinds[i] = ValueKind.Float;
      values.floats[i] = next() * 100;
    }
    blocks.push({ count, time, seq, values });
  }
  return blocks;
}

/**
 * Best of ROUNDS, in values per second of this thread's CPU time: the machine is shared, and
 * wall time would mostly measure the neighbours.
 */
function measure(run: () => unknown): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const began = process.cpuUsage();
    run();
    const used = process.cpuUsage(began);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return VALUES / best;
}

/** Partials of every block, then finished values, as one shard answering alone would. */
function aggregateAll(aggregate: Aggregate<unknown>, blocks: readonly AggregateRows[]): number {
  const partial = emptyPartial<unknown>();
  for (const block of blocks) accumulate(aggregate, partial, block, bucketRuns(block.time, 0, block.count, HOUR_US));
  return finish(aggregate, partial).length;
}

const blocks = makeBlocks();
const rows: [string, number][] = [];
rows.push([
  'baseline: Float64Array max',
  measure(() => {
    let max = -Infinity;
    for (const block of blocks) {
      const floats = block.values.floats;
      for (let i = 0; i < block.count; i++) if (floats[i]! > max) max = floats[i]!;
    }
    return max;
  }),
]);
rows.push(['bucket runs only', measure(() => blocks.reduce((n, b) => n + bucketRuns(b.time, 0, b.count, HOUR_US).count, 0))]);
const specs: AggregateSpec[] = [{ name: 'max' }, { name: 'mean' }, { name: 'count' }, { name: 'percentile', p: 90 }];
// Decoded segment blocks mark an all-float column uniform; memtable rows and selections do not.
const uniformBlocks = blocks.map((block) => ({ ...block, values: { ...block.values, uniformKind: ValueKind.Float } }));
for (const spec of specs) {
  const aggregate = createAggregate(spec, 'desc');
  rows.push([spec.name, measure(() => aggregateAll(aggregate, blocks))]);
  rows.push([`${spec.name}, uniform column`, measure(() => aggregateAll(aggregate, uniformBlocks))]);
}
for (const [name, rate] of rows) console.log(`${name.padEnd(28)} ${(rate / 1e6).toFixed(0).padStart(6)} M values/s`);
