/**
 * The series the raw-join and joined-aggregate tests read (query-language.md §10.2), on a
 * server with two shards, written with time_precision=s.
 */
import type { SeriesInput } from './client.js';
import { serverWithSeries } from './seeded-server.js';
import type { TestServer } from './server.js';

export const JOIN_SHARDS = 2;
export const LONG = 2600;
/** Two long series, on different shards for the databases the tests use (each test checks). */
export const LONG_A = 'long.a';
export const LONG_B = 'long.b';

const SERIES: SeriesInput[] = [
  { name: 'foo', columns: ['time', 'v'], points: [[1, 1], [6, 3]] },
  { name: 'bar', columns: ['time', 'v'], points: [[5, 2], [7, 4]] },
  { name: 't', columns: ['time', 'sequence_number', 'v', 's'], points: [[1, 1, 10, 'x'], [2, 2, 20, null], [3, 3, null, 'z']] },
  { name: 'u', columns: ['time', 'w'], points: [[2, 200], [3, 300], [4, 400]] },
  { name: LONG_A, columns: ['time', 'n'], points: Array.from({ length: LONG }, (_, i) => [2 * i, i]) },
  { name: LONG_B, columns: ['time', 'n'], points: Array.from({ length: LONG }, (_, i) => [2 * i + 1, 100_000 + i]) },
];

export function joinServer(db: string): Promise<TestServer> {
  return serverWithSeries(db, SERIES, { args: ['--shards', String(JOIN_SHARDS)] });
}
