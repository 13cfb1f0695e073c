/**
 * The torture load's points. Point n, from one counter, belongs to series `torture.s<n mod S>`
 * at time BASE + floor(n / S) µs and has the integer value n and the string label `p<n>`: every
 * stored row names the one point it must be, and a row that is not exactly such a point was
 * never sent. The label puts a string of its own in every row, so flushes, compactions and
 * recovery handle string columns as well as numbers.
 */
export const DB = 'torture';
export const SERIES_PREFIX = 'torture.s';
/** 2020-01-01T00:00:00Z in µs: in the past, so a query's default end (now) covers every point. */
const BASE_TIME_US = 1_577_836_800_000_000;

export function seriesOf(point: number, seriesCount: number): string {
  return `${SERIES_PREFIX}${point % seriesCount}`;
}

export function timeOf(point: number, seriesCount: number): number {
  return BASE_TIME_US + Math.floor(point / seriesCount);
}

export function labelOf(point: number): string {
  return `p${point}`;
}

/**
 * Points first … first + count - 1 as a write body (`time_precision=u`), one series object per
 * series: consecutive points fall on consecutive series, so a request of a few points already
 * spans several shards.
 */
export function requestBody(first: number, count: number, seriesCount: number): Buffer {
  const bySeries = new Map<number, string[]>();
  for (let point = first; point < first + count; point++) {
    const series = point % seriesCount;
    let rows = bySeries.get(series);
    if (rows === undefined) bySeries.set(series, (rows = []));
    rows.push(`[${timeOf(point, seriesCount)},${point},"${labelOf(point)}"]`);
  }
  const objects = [...bySeries].map(
    ([series, rows]) => `{"name":"${SERIES_PREFIX}${series}","columns":["time","value","label"],"points":[${rows.join(',')}]}`,
  );
  return Buffer.from(`[${objects.join(',')}]`, 'utf8');
}

/** Log-uniform in 1 … max: mostly small requests, some large ones. */
export function requestSize(rand: () => number, max: number): number {
  return Math.min(max, Math.floor(Math.exp(rand() * Math.log(max + 1))));
}

/**
 * A request of `perSeries` points of every series, after the points that bring the first
 * unissued point back to series 0 (none once the requests before were such): from then on each
 * request begins with series 0 and holds each series' points together, so every series' sequence
 * numbers step alike (by one within a request, and by the same jump from one request to the next,
 * since the requests are alike), which is what lets a segment's blocks share them (block codec 3).
 */
export function fleetRequestSize(perSeries: number, seriesCount: number, issuedPoints: number): number {
  return (seriesCount - (issuedPoints % seriesCount)) % seriesCount + seriesCount * perSeries;
}
