/**
 * The peer benchmark's workload (shared/peer-bench/lib/workload.js) as stored columns:
 * `series` series × `points` points 10 s apart, value = (5000 + triangle(±2000, 360 points)
 * + uniform noise in ±500) / 100, written time-major in requests of `batch` points. The few
 * lines of its integer-only generator are repeated here so the bench needs no peer-bench copy.
 *
 * Sequence numbers are the ones the server gives when the requests are numbered in order:
 * each request reserves `batch` ordinals and numbers its points in body order, so a series'
 * points run `batch / series` apart in ordinals and jump by a request between batches.
 */
import { allocateColumn, ValueKind, type SeriesColumns } from '../../src/storage/columns.js';
import { sequenceNumberOf } from '../../src/storage/sequence-numbers.js';

export interface PeerWorkload {
  readonly series: number;
  readonly points: number;
  readonly batch: number;
}

export const PEER_WORKLOAD: PeerWorkload = { series: 1000, points: 10_000, batch: 5000 };

const INTERVAL_S = 10;
const END_S = 1_704_067_200;

function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((b + 0x7f4a7c15) | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export function valueHundredths(s: number, p: number): number {
  const phase = (p + 37 * s) % 360;
  const triangle = phase < 180 ? Math.round((phase * 4000) / 180) - 2000 : 2000 - Math.round(((phase - 180) * 4000) / 180);
  return 5000 + triangle + (hash32(s, p) % 1001) - 500;
}

/** Series `s` of the workload, every point, as the server stores it. */
export function peerSeries(w: PeerWorkload, s: number): SeriesColumns {
  if (w.batch % w.series !== 0) throw new RangeError('the batch must be a multiple of the series count');
  const time = new Float64Array(w.points);
  const seq = new Float64Array(w.points);
  const value = allocateColumn('value', w.points);
  for (let p = 0; p < w.points; p++) {
    time[p] = (END_S - (w.points - p) * INTERVAL_S) * 1e6;
    // Time-major: point k of the whole stream is (p, s) with k = p·S + s.
    const k = p * w.series + s;
    const request = Math.floor(k / w.batch);
    seq[p] = sequenceNumberOf(1 + request * w.batch + positionInRequest(w, request, s, p));
    value.floats[p] = valueHundredths(s, p) / 100;
    value.kinds[p] = ValueKind.Float;
  }
  return { series: `cpu.host${s}`, count: w.points, time, seq, columns: [value] };
}

/**
 * Where point (s, p) is in its request's body. With `batch` a multiple of `series` (as in the
 * peer bench) every request holds `batch / series` consecutive points of every series, grouped
 * per series in series order.
 */
function positionInRequest(w: PeerWorkload, request: number, s: number, p: number): number {
  const perSeries = w.batch / w.series;
  return s * perSeries + (p - (request * w.batch) / w.series);
}
