/**
 * The bookkeeping of the durability tests: points that are each (series, time) once, the
 * writes a server acknowledged, and the check that every acknowledged point is stored exactly
 * once (and nothing was stored that was never sent).
 */
import type { ExecutionContext } from 'ava';
import { querySeries, write, type SeriesInput, type Target } from './client.js';

export const DURABILITY_DB = 'dur';
const SERIES = ['dur.a', 'dur.b', 'dur.c', 'dur.d', 'dur.e'];
/** All points are a day in the past so the default query end (now) includes them. */
const BASE_MS = Date.now() - 86_400_000;

/** `series|time(ms)` of every point, with its value, as stored. */
export type Stored = Map<string, number[]>;

export async function readAll(server: Target): Promise<Stored> {
  const result = await querySeries(server, DURABILITY_DB, 'select * from /^dur\\./ order asc', { time_precision: 'ms' });
  const stored: Stored = new Map();
  for (const series of result) {
    const time = series.columns.indexOf('time');
    const value = series.columns.indexOf('value');
    for (const point of series.points) {
      const key = `${series.name}|${point[time]}`;
      stored.set(key, [...(stored.get(key) ?? []), point[value] as number]);
    }
  }
  return stored;
}

/**
 * What the node stores once it has every acknowledged point, or as it stands after `waitMs`
 * (503s meanwhile are waited out). For cluster nodes: a node sees at once what it acknowledged
 * itself, and what other front ends acknowledged once the partition's owner has applied it.
 */
export async function readAllEventually(server: Target, acknowledged: ReadonlySet<string>, waitMs = 15_000): Promise<Stored> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const stored = await readAll(server).catch((err: unknown) => {
      if (Date.now() > deadline || !String(err).includes('503')) throw err;
      return undefined;
    });
    if (stored !== undefined && ([...acknowledged].every((key) => stored.has(key)) || Date.now() > deadline)) return stored;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Builds requests of `size` points spread over the series, each (series, time) used once. */
export class PointSource {
  private next = 0;
  take(size: number): { body: SeriesInput[]; keys: string[] } {
    const bySeries = new Map<string, number[][]>();
    const keys: string[] = [];
    for (let i = 0; i < size; i++) {
      const n = this.next++;
      const name = SERIES[n % SERIES.length]!;
      const time = BASE_MS + n;
      bySeries.set(name, [...(bySeries.get(name) ?? []), [time, n]]);
      keys.push(`${name}|${time}`);
    }
    return { body: [...bySeries].map(([name, points]) => ({ name, columns: ['time', 'value'], points })), keys };
  }
  get issued(): number {
    return this.next;
  }
}

export function assertExactlyOnce(t: ExecutionContext, stored: Stored, acknowledged: ReadonlySet<string>, issued: number): void {
  const missing = [...acknowledged].filter((key) => !stored.has(key));
  t.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acknowledged.size} acknowledged points are missing`);
  const duplicated = [...stored].filter(([, values]) => values.length > 1).map(([key]) => key);
  t.deepEqual(duplicated.slice(0, 10), [], `${duplicated.length} points are stored more than once`);
  t.true(stored.size <= issued, `${stored.size} points stored but only ${issued} were ever sent`);
}

/**
 * Writers sending `pointsPerWrite`-point requests to the targets in turn until stopped,
 * recording what was acknowledged. A request that fails (the server died, 503) is not.
 */
export class AcknowledgedLoad {
  readonly acknowledged = new Set<string>();
  refused = 0;
  private writing = true;
  private readonly writers: Promise<void>[];

  /** `source`: one shared with an earlier load, so points stay distinct across both. */
  constructor(targets: () => readonly Target[], writers: number, pointsPerWrite: number, readonly source = new PointSource()) {
    this.writers = Array.from({ length: writers }, async (_, w) => {
      for (let turn = w; this.writing; turn++) {
        const live = targets();
        const { body, keys } = this.source.take(pointsPerWrite);
        try {
          const result = await write(live[turn % live.length]!, DURABILITY_DB, body, { precision: 'ms' });
          if (result.status === 200) for (const key of keys) this.acknowledged.add(key);
          else this.refused++;
        } catch {
          // The connection died with the server: this request was never acknowledged.
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.writing = false;
    await Promise.all(this.writers);
  }
}
