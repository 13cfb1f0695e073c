/**
 * The series of functions.md §5 that several aggregate tests read, and a server holding
 * series written with time_precision=s.
 */
import { createDb, writeOk, type SeriesInput } from './client.js';
import { startServer, type TestServer } from './server.js';

/** Worked-example series `cpu`: value 1, 3, 2, 8, 4 at 0, 10, 20, 65, 70 s. */
export const EXAMPLE_CPU: SeriesInput = { name: 'cpu', columns: ['time', 'value'], points: [[0, 1], [10, 3], [20, 2], [65, 8], [70, 4]] };

/** "Group by a column" series `req` (time, host, ms). */
export const EXAMPLE_REQ: SeriesInput = { name: 'req', columns: ['time', 'host', 'ms'], points: [[0, 'a', 10], [5, 'b', 20], [30, 'a', 30], [62, 'b', 40]] };

/** A fresh server with database `db` holding `series` (times in seconds). */
export async function serverWith(db: string, series: readonly SeriesInput[]): Promise<TestServer> {
  const server = await startServer();
  await createDb(server, db);
  await writeOk(server, db, series, { precision: 's' });
  return server;
}
