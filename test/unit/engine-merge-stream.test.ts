/**
 * The k-way merge by time behind `merge` and `inner join` (query-language.md §10.1): rows in
 * query order across inputs, the later input first on equal times in both directions, and a
 * stop for the next block whenever an input that has not ended runs out of rows.
 */
import test from 'ava';
import { MERGE_DONE, MergeStream, NEEDS_BLOCK } from '../../src/engine/merge-stream.js';
import type { SeriesColumns } from '../../src/storage/columns.js';

function block(times: readonly number[]): SeriesColumns {
  return { series: 's', count: times.length, time: Float64Array.from(times), seq: new Float64Array(times.length), columns: [] };
}

/** Drains the stream, feeding each input its blocks in turn; returns `input@time` steps. */
function drain(order: 'asc' | 'desc', inputs: readonly (readonly number[][])[]): { steps: string[]; requests: number } {
  const stream = new MergeStream(inputs.length, order);
  const queues = inputs.map((blocks) => [...blocks]);
  const steps: string[] = [];
  let requests = 0;
  for (;;) {
    const next = stream.next();
    if (next === MERGE_DONE) return { steps, requests };
    if (next === NEEDS_BLOCK) {
      for (const input of stream.starved()) {
        requests++;
        const times = queues[input]!.shift();
        stream.push(input, times ? block(times) : null);
      }
      continue;
    }
    steps.push(`${next}@${stream.block(next).time[stream.row(next)]}`);
    stream.advance(next);
  }
}

test('rows come in time order across blocks; the later input wins a tie in both directions', (t) => {
  t.deepEqual(drain('asc', [[[1, 5], [7]], [[5, 6]]]).steps, ['0@1', '1@5', '0@5', '1@6', '0@7']);
  t.deepEqual(drain('desc', [[[7], [5, 1]], [[6, 5]]]).steps, ['0@7', '1@6', '1@5', '0@5', '0@1']);
});

test('each block is asked for once, only when its input has run out', (t) => {
  // Two blocks + end for input 0, one block + end for input 1.
  t.is(drain('asc', [[[1, 2], [3]], [[2]]]).requests, 5);
});

test('an input without rows ends at once; no input means done', (t) => {
  t.deepEqual(drain('asc', [[], [[3, 4]]]).steps, ['1@3', '1@4']);
  t.is(new MergeStream(0, 'asc').next(), MERGE_DONE);
});
