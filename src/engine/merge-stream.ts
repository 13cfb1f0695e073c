import type { SeriesColumns } from '../storage/columns.js';

/** `next()` when an input has used up its block and the merge cannot go on without its next one. */
export const NEEDS_BLOCK = -1;
/** `next()` when every input has ended. */
export const MERGE_DONE = -2;

/**
 * A k-way merge by time of several series (query-language.md §10.1), fed one block per
 * input at a time: rows of each block are already in query order. Each step names the input
 * whose head row comes next: the earliest time (latest in a descending query), and on equal
 * times the input given last — 0.8 put the right series of `a merge b` first in both
 * directions. Memory is one block per input, whatever the series' lengths.
 *
 * The merged stream is a sequence of (input, block, row) steps rather than copied rows, so a
 * consumer reads each row where it already is: the JSON encoder of a merge, the pairing of
 * a join, or an aggregate accumulating the rows of a merge.
 */
export class MergeStream {
  private readonly blocks: (SeriesColumns | undefined)[];
  private readonly positions: number[];
  private readonly ended: boolean[];

  constructor(
    inputs: number,
    private readonly order: 'asc' | 'desc',
  ) {
    this.blocks = new Array<SeriesColumns | undefined>(inputs).fill(undefined);
    this.positions = new Array<number>(inputs).fill(0);
    this.ended = new Array<boolean>(inputs).fill(false);
  }

  /** Inputs that have used up their block and have not ended. */
  starved(): number[] {
    return this.blocks.flatMap((block, i) => (!this.ended[i] && block === undefined ? [i] : []));
  }

  /** The input's next block (rows in query order), or null when it has no more rows. */
  push(input: number, block: SeriesColumns | null): void {
    if (block === null || block.count === 0) {
      this.ended[input] = block === null || this.ended[input]!;
      this.blocks[input] = undefined;
      return;
    }
    this.blocks[input] = block;
    this.positions[input] = 0;
  }

  /** The input whose head row comes next, NEEDS_BLOCK, or MERGE_DONE. */
  next(): number {
    let best = MERGE_DONE;
    let bestTime = 0;
    for (let i = 0; i < this.blocks.length; i++) {
      if (this.ended[i]) continue;
      const block = this.blocks[i];
      if (block === undefined) return NEEDS_BLOCK;
      const time = block.time[this.positions[i]!]!;
      // `<=` / `>=`: a later input wins a tie.
      if (best === MERGE_DONE || (this.order === 'asc' ? time <= bestTime : time >= bestTime)) {
        best = i;
        bestTime = time;
      }
    }
    return best;
  }

  /** The block holding the input's head row. */
  block(input: number): SeriesColumns {
    return this.blocks[input]!;
  }

  /** The head row's index in `block(input)`. */
  row(input: number): number {
    return this.positions[input]!;
  }

  /** Moves past the input's head row; the block is released once used up. */
  advance(input: number): void {
    const at = ++this.positions[input]!;
    if (at >= this.blocks[input]!.count) this.blocks[input] = undefined;
  }
}
