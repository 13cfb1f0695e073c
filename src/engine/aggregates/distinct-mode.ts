import { ValueKind } from '../../storage/columns.js';
import type { AggregateRows } from '../rows.js';
import { floatedScalarAt, type Scalar } from '../values.js';
import { scannedBefore, type Aggregate, type OutputRow, type ScanOrder } from './aggregate.js';

/**
 * Occurrences of each value (ints as floats, functions.md §4 distinct/mode), with where the
 * scan first meets it: both functions list values in order of first appearance (Project
 * rule), which a partial cannot know until every block is in, so it keeps the position.
 */
export interface Occurrence {
  count: number;
  time: number;
  seq: number;
}

export interface OccurrencesState {
  values: Map<Scalar, Occurrence>;
}

function occurrences(order: ScanOrder, keepNulls: boolean): Omit<Aggregate<OccurrencesState>, 'finish'> {
  const note = (state: OccurrencesState, value: Scalar, seen: Occurrence): void => {
    const known = state.values.get(value);
    if (known === undefined) {
      state.values.set(value, seen);
      return;
    }
    known.count += seen.count;
    if (scannedBefore(order, seen.time, seen.seq, known.time, known.seq)) {
      known.time = seen.time;
      known.seq = seen.seq;
    }
  };
  return {
    width: 1,
    empty: () => ({ values: new Map() }),
    update(state: OccurrencesState, rows: AggregateRows, from: number, to: number) {
      for (let i = from; i < to; i++) {
        if (!keepNulls && rows.values.kinds[i] === ValueKind.Null) continue;
        note(state, floatedScalarAt(rows.values, i), { count: 1, time: rows.time[i]!, seq: rows.seq[i]! });
      }
    },
    merge(into: OccurrencesState, other: OccurrencesState) {
      for (const [value, seen] of other.values) note(into, value, seen);
    },
  };
}

function inScanOrder(order: ScanOrder, entries: [Scalar, Occurrence][]): OutputRow[] {
  entries.sort(([, a], [, b]) => (scannedBefore(order, a.time, a.seq, b.time, b.seq) ? -1 : 1));
  return entries.map(([value]) => [value]);
}

/** distinct(x): each non-null value once. */
export function distinct(order: ScanOrder): Aggregate<OccurrencesState> {
  return { ...occurrences(order, false), finish: (state) => inScanOrder(order, [...state.values]) };
}

/** mode(x): every value sharing the highest count; null is a value here. */
export function mode(order: ScanOrder): Aggregate<OccurrencesState> {
  return {
    ...occurrences(order, true),
    finish(state) {
      let highest = 0;
      for (const seen of state.values.values()) highest = Math.max(highest, seen.count);
      return inScanOrder(order, [...state.values].filter(([, seen]) => seen.count === highest));
    },
  };
}
