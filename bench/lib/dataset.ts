/**
 * The ingest workload: `series` series named cpu.host0…, each with `pointsPerSeries` points
 * 10 s apart ending about an hour ago, values a two-decimal random walk. Points go out in
 * time-major order — each request carries consecutive timestamps for every series, grouped
 * into one series object per series — like a fleet of hosts reporting in together.
 */

export const SPACING_S = 10;
/** The last point is this long before the generator's "now". */
export const LAST_POINT_AGE_S = 3600;

export interface Dataset {
  readonly bodies: Buffer[];
  readonly points: number;
  readonly bytes: number;
  readonly firstTimeS: number;
  readonly lastTimeS: number;
}

/**
 * `json`: 0.8 series bodies; `line`: the same points as InfluxDB line protocol for `POST /write`,
 * with a `host` tag (stored as a column too, so each point carries two columns); `line-plain`:
 * line protocol with exactly the JSON body's series and one column, to compare the two protocols
 * on the same data.
 */
export type BodyFormat = 'json' | 'line' | 'line-plain';

export function seriesName(index: number, format: BodyFormat = 'json'): string {
  return format === 'line' ? `cpu,host=host${index}` : `cpu.host${index}`;
}

/** mulberry32: seeded, so every run sends the same bytes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateDataset(
  series: number,
  pointsPerSeries: number,
  pointsPerRequest: number,
  nowMs = Date.now(),
  format: BodyFormat = 'json',
  jsonNameOf: (index: number) => string = seriesName,
): Dataset {
  const rand = random(42);
  const total = series * pointsPerSeries;
  const lastTimeS = Math.floor(nowMs / 1000 / SPACING_S) * SPACING_S - LAST_POINT_AGE_S;
  const firstTimeS = lastTimeS - (pointsPerSeries - 1) * SPACING_S;
  const values = Float64Array.from({ length: series }, () => 20 + rand() * 60);
  const names = Array.from({ length: series }, (_, s) => JSON.stringify(jsonNameOf(s)));

  const bodies: Buffer[] = [];
  let bytes = 0;
  for (let start = 0; start < total; start += pointsPerRequest) {
    const end = Math.min(total, start + pointsPerRequest);
    // Points of this request per series, in time order; series appear in index order.
    const perSeries = new Map<number, string[]>();
    for (let g = start; g < end; g++) {
      const s = g % series;
      const time = firstTimeS + Math.floor(g / series) * SPACING_S;
      values[s] = Math.max(0, values[s]! + (rand() - 0.5) * 2);
      let points = perSeries.get(s);
      if (points === undefined) perSeries.set(s, (points = []));
      points.push(format === 'json' ? `[${time},${values[s]!.toFixed(2)}]` : `${seriesName(s, format)} value=${values[s]!.toFixed(2)} ${time}\n`);
    }
    const body = format === 'json' ? jsonBody(perSeries, names) : lineBody(perSeries);
    bytes += body.length;
    bodies.push(body);
  }
  return { bodies, points: total, bytes, firstTimeS, lastTimeS };
}

function jsonBody(perSeries: Map<number, string[]>, names: readonly string[]): Buffer {
  const objects = [...perSeries.keys()]
    .sort((a, b) => a - b)
    .map((s) => `{"name":${names[s]},"columns":["time","value"],"points":[${perSeries.get(s)!.join(',')}]}`);
  return Buffer.from(`[${objects.join(',')}]`, 'utf8');
}

/** The same points in the same order, one line each (a line's series is its own). */
function lineBody(perSeries: Map<number, string[]>): Buffer {
  return Buffer.from(
    [...perSeries.keys()]
      .sort((a, b) => a - b)
      .map((s) => perSeries.get(s)!.join(''))
      .join(''),
    'utf8',
  );
}
