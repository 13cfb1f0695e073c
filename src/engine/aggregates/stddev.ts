import { ValueKind } from '../../storage/columns.js';
import type { Aggregate } from './aggregate.js';

/**
 * Population standard deviation of the numeric values (functions.md §4 stddev).
 *
 * The spec's formula sqrt(E[x²] − E[x]²) is what 0.8 computes and what its examples show to
 * the last bit, but it cancels catastrophically when the spread is small against the mean.
 * So the state also keeps Chan's (count, mean, M2), which combines soundly, and finish()
 * uses the formula only while it agrees with the sound variance.
 */
export interface StddevState {
  n: number;
  mean: number;
  m2: number;
  sum: number;
  squares: number;
}

/** Relative disagreement beyond which the formula's cancellation error shows. */
const AGREEMENT = 1e-9;

export const stddev: Aggregate<StddevState> = {
  width: 1,
  empty: () => ({ n: 0, mean: 0, m2: 0, sum: 0, squares: 0 }),
  update(state, rows, from, to) {
    const { kinds, floats, ints } = rows.values;
    let { n, mean, m2, sum, squares } = state;
    for (let i = from; i < to; i++) {
      const kind = kinds[i];
      if (kind !== ValueKind.Float && kind !== ValueKind.Int) continue;
      const x = kind === ValueKind.Float ? floats[i]! : Number(ints[i]!);
      n++;
      const delta = x - mean;
      mean += delta / n;
      m2 += delta * (x - mean);
      sum += x;
      squares += x * x;
    }
    Object.assign(state, { n, mean, m2, sum, squares });
  },
  merge(into, other) {
    if (other.n === 0) return;
    const n = into.n + other.n;
    const delta = other.mean - into.mean;
    into.m2 += other.m2 + (delta * delta * into.n * other.n) / n;
    into.mean += (delta * other.n) / n;
    into.n = n;
    into.sum += other.sum;
    into.squares += other.squares;
  },
  finish(state) {
    if (state.n === 0) return [];
    const sound = state.m2 / state.n;
    const average = state.sum / state.n;
    const formula = state.squares / state.n - average * average;
    const variance = Math.abs(formula - sound) <= AGREEMENT * Math.max(sound, Number.MIN_VALUE) ? formula : sound;
    return [[Math.sqrt(variance)]];
  },
};
