import { createDb, writeOk, type SeriesInput } from './client.js';
import { startServer, type TestServer } from './server.js';

const PER_REQUEST = 100_000;

/**
 * A one-shard server whose database `db` holds series `big`: `points` points, one a second from
 * `startS`, valued 0, 1, 2 …, flushed into segment files (as a long series mostly is) by a stop
 * before the returned server started on the same data directory.
 */
export async function serverWithLongSeries(db: string, points: number, startS: number): Promise<TestServer> {
  const writer = await startServer({ args: ['--shards', '1'] });
  await createDb(writer, db);
  for (let from = 0; from < points; from += PER_REQUEST) {
    const rows = Array.from({ length: Math.min(PER_REQUEST, points - from) }, (_, i) => [startS + from + i, from + i]);
    const body: SeriesInput[] = [{ name: 'big', columns: ['time', 'value'], points: rows }];
    await writeOk(writer, db, body, { precision: 's' });
  }
  await writer.stop();
  return startServer({ dataDir: writer.dataDir, args: ['--shards', '1'] });
}
