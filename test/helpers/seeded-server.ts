import { createDb, writeOk, type SeriesInput } from './client.js';
import { startServer, type StartOptions, type TestServer } from './server.js';

/** A fresh server with one database holding these series, written with `time_precision=s`. */
export async function serverWithSeries(db: string, series: readonly SeriesInput[] | string, options: StartOptions = {}): Promise<TestServer> {
  const server = await startServer(options);
  await createDb(server, db);
  await writeOk(server, db, series, { precision: 's' });
  return server;
}
