import { ValueKind } from '../../storage/columns.js';
import { zoneMapOf, zonesInside, type ZoneMap } from '../../storage/zone-map.js';
import type { Aggregate } from './aggregate.js';

/**
 * min/max over numeric values; a group without any is null (Project rule, functions.md §4).
 * `value` holds the largest of sign × x, so min is max over negated values and both share
 * one loop without a comparator call per row.
 */
export interface ExtremeState {
  value: number;
  seen: boolean;
}

function largest(sign: 1 | -1): Aggregate<ExtremeState> {
  return {
    width: 1,
    empty: () => ({ value: -Infinity, seen: false }),
    update(state, rows, from, to) {
      const { kinds, floats, ints, uniformKind } = rows.values;
      if (uniformKind === ValueKind.Float && to > from) {
        // A block column of floats only: no kind to look at.
        const extreme = zonedLargest(floats, from, to, sign);
        if (extreme > state.value) state.value = extreme;
        state.seen = true;
        return;
      }
      let value = state.value;
      // Floats first in a loop with one branch, which V8 compiles far tighter; ints (rare)
      // in a second pass only when the first met rows of other kinds.
      let floatRows = 0;
      for (let i = from; i < to; i++) {
        if (kinds[i] === ValueKind.Float) {
          floatRows++;
          const v = sign * floats[i]!;
          if (v > value) value = v;
        }
      }
      let intRows = 0;
      if (floatRows !== to - from) {
        for (let i = from; i < to; i++) {
          if (kinds[i] === ValueKind.Int) {
            intRows++;
            const v = sign * Number(ints[i]!);
            if (v > value) value = v;
          }
        }
      }
      state.value = value;
      state.seen ||= floatRows + intRows > 0;
    },
    merge(into, other) {
      if (other.value > into.value) into.value = other.value;
      into.seen ||= other.seen;
    },
    finish: (state) => [[state.seen ? sign * state.value : null]],
    finishCell: (state) => (state.seen ? sign * state.value : null),
    fromSummary: (summary) => ({ value: sign === 1 ? summary.max : -summary.min, seen: summary.count > 0 }),
  };
}

/*
 * The largest of sign × x over four lanes: each lane's compare waits only on its own last one,
 * so the core overlaps them (about a quarter faster per value than one running extreme). Every
 * lane starts at the first value, so a NaN there stays the answer as with a single lane.
 */
function largestOf(floats: Float64Array, from: number, to: number, sign: 1 | -1): number {
  let a = sign * floats[from]!;
  let b = a;
  let c = a;
  let d = a;
  let i = from + 1;
  for (; i + 3 < to; i += 4) {
    const w = sign * floats[i]!;
    const x = sign * floats[i + 1]!;
    const y = sign * floats[i + 2]!;
    const z = sign * floats[i + 3]!;
    if (w > a) a = w;
    if (x > b) b = x;
    if (y > c) c = y;
    if (z > d) d = z;
  }
  for (; i < to; i++) {
    const w = sign * floats[i]!;
    if (w > a) a = w;
  }
  if (b > a) a = b;
  if (c > a) a = c;
  return d > a ? d : a;
}

/**
 * largestOf over rows [from, to): zones lying wholly inside the rows are taken from a cached
 * block's zone map, and values are read only at the ragged ends.
 */
function zonedLargest(floats: Float64Array, from: number, to: number, sign: 1 | -1): number {
  // A block's runs come one after another: its map is looked up once, not once a run.
  if (floats !== lastFloats) {
    lastFloats = floats;
    lastMap = zoneMapOf(floats);
  }
  const map = lastMap;
  if (map === undefined) return largestOf(floats, from, to, sign);
  zonesInside(map.zones, from, to, inside);
  const { first, end } = inside;
  if (end <= first) return largestOf(floats, from, to, sign);
  let extreme = largestOf(sign === 1 ? map.max : map.min, first, end, sign);
  const head = map.zones.edges[first]!;
  const tail = map.zones.edges[end]!;
  if (from < head) {
    const v = largestOf(floats, from, head, sign);
    if (v > extreme) extreme = v;
  }
  if (tail < to) {
    const v = largestOf(floats, tail, to, sign);
    if (v > extreme) extreme = v;
  }
  return extreme;
}

/** Lent to zonesInside by zonedLargest. */
const inside = { first: 0, end: 0 };
/** The last value array zonedLargest met, and its map. */
let lastFloats: Float64Array | undefined;
let lastMap: ZoneMap | undefined;

export const max = largest(1);
export const min = largest(-1);
