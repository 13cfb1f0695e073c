import type { SeriesMemory } from './series-memory.js';
import type { BatchViews, WriteBatchEntries } from './write-batch.js';

/**
 * Committed batches of one layout, in arrival order: series `i` of `states` has its entry in
 * batch `k` at `entries[k][i]` (batch-layouts.ts).
 */
export interface DeferredRun<State> {
  readonly states: readonly State[];
  readonly batches: readonly BatchViews[];
  readonly entries: readonly (readonly number[])[];
}

/** Cuts deferred batches into runs of one layout, keeping their order. */
export function deferredRuns<State>(deferred: readonly { readonly batch: WriteBatchEntries; readonly states: readonly State[] }[]): DeferredRun<State>[] {
  const runs: DeferredRun<State>[] = [];
  for (let from = 0; from < deferred.length; ) {
    const { states } = deferred[from]!;
    let to = from + 1;
    while (to < deferred.length && deferred[to]!.states === states) to++;
    const run = deferred.slice(from, to).map(({ batch }) => batch);
    runs.push({ states, batches: run.map((batch) => batch.views), entries: run.map((batch) => batch.entries) });
    from = to;
  }
  return runs;
}

/** Series checked between two looks at the clock: one series' seal is a few microseconds. */
const SERIES_PER_CLOCK_CHECK = 16;

/**
 * One bulk seal of a shard's committed rows, done a slice at a time so that writes are taken
 * between slices. Sealed at once, the 8 MiB of batches a bulk seal takes held the shard's
 * thread for 17–42 ms on the peer workload, and both shards reached it together, so every
 * write in flight waited for it about five times a second.
 *
 * What it seals was taken from the shard when it began: the runs of deferred batches, then the
 * series that had entries appended. The shard finishes it at once (`sealUntil(Infinity)`)
 * before anything else touches a memtable, so a series' rows still go in in arrival order.
 */
export class BulkSeal<State> {
  private run = 0;
  private series = 0;
  private offsets: number[] = [];
  private next = 0;

  constructor(
    private readonly runs: readonly DeferredRun<State>[],
    private readonly unsealed: readonly SeriesMemory[],
    /** The batches' buffers that came with write messages: released once it is done. */
    readonly buffers: ArrayBuffer[],
    /** The batches' bytes, still held (and counted in the memtable's size) until it is done. */
    readonly bytes: number,
    /** Seals series `index` of `run`: its entry in each batch is at `offsets`. */
    private readonly sealSeries: (run: DeferredRun<State>, index: number, offsets: number[]) => void,
    /** Seals the entries appended to a series' memtable. */
    private readonly sealMemory: (memory: SeriesMemory) => void,
  ) {}

  /** Seals series until `until` (performance.now() milliseconds) has passed; true once nothing is left. */
  sealUntil(until: number): boolean {
    let sealed = 0;
    const timeUp = (): boolean => ++sealed % SERIES_PER_CLOCK_CHECK === 0 && performance.now() >= until;
    while (this.run < this.runs.length) {
      const run = this.runs[this.run]!;
      if (this.series === 0) this.offsets = new Array<number>(run.batches.length).fill(0);
      while (this.series < run.states.length) {
        this.sealSeries(run, this.series++, this.offsets);
        if (timeUp()) return false;
      }
      this.run++;
      this.series = 0;
    }
    while (this.next < this.unsealed.length) {
      this.sealMemory(this.unsealed[this.next++]!);
      if (timeUp()) return false;
    }
    return true;
  }
}
