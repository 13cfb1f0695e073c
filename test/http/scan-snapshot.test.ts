/**
 * A query reads the data as it was when it started: a database drop while a chunked export
 * is paused on a slow client must neither fail the export with a server path (the segment
 * files it reads are held until it ends) nor resurrect anything afterwards.
 */
import test from 'ava';
import http from 'node:http';
import { countJsonStream } from '../helpers/json-stream.js';
import { createDb, dropDb, listDbs, urlFor, writeOk, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const DB = 'snap';
const SERIES = 200;
const POINTS = 2_000;

test.after.always(cleanupServers);

test('a drop while an export is paused leaves the export whole, then the files go', async (t) => {
  const first = await startServer({ args: ['--shards', '1'] });
  await createDb(first, DB);
  const body: SeriesInput[] = Array.from({ length: SERIES }, (_, s) => ({
    name: `s${s}`,
    columns: ['time', 'value'],
    points: Array.from({ length: POINTS }, (_, i) => [1_380_000_000 + i * 10, i / 100]),
  }));
  await writeOk(first, DB, body, { precision: 's' });
  await first.stop(); // everything into segment files
  const server = await startServer({ dataDir: first.dataDir, args: ['--shards', '1'] });

  const url = urlFor(server, `/db/${DB}/series`, { q: 'select * from /.*/', chunked: 'true' });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(url, resolve).on('error', reject);
  });
  let dropped = false;
  async function* pausedOnce(): AsyncGenerator<Uint8Array> {
    for await (const chunk of response) {
      yield chunk as Uint8Array;
      if (!dropped) {
        dropped = true;
        t.is((await dropDb(server, DB)).status, 204);
      }
    }
  }
  const counted = await countJsonStream(pausedOnce());
  t.is(counted.rows, SERIES * POINTS, 'the export saw the data as it was when it started');
  t.false((await listDbs(server)).includes(DB));
  const segments = await readdir(path.join(server.dataDir, 'shards', '0', 'segments'));
  t.deepEqual(segments, [], 'the dropped files left the disk once the export ended');
});
