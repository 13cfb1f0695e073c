/**
 * A series of a thousand columns, as a line-protocol line of many fields makes one: `select *`
 * answers every column of every row, in JSON and in Arrow, and the Arrow answer comes in
 * record batches of fewer rows (a batch holds about 8 MiB of values) that apache-arrow's
 * reader joins back into the same table. Before, such a select searched the block's columns
 * once per column (a 20,000-column series took a shard 1.9 s for three rows, 26 s in Arrow),
 * and an Arrow answer sized its value buffers for 32,768 rows of every column.
 */
import test from 'ava';
import { arrowQuery, asJsonSeries, jsonAnswer } from '../helpers/arrow-answer.js';
import { createDb, request, streamQuery, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'wide';
const COLUMNS = 1000;
const ROWS = 1000;
let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, DB);
  const fields = (row: number): string => Array.from({ length: COLUMNS }, (_, c) => `f${c}=${row * COLUMNS + c}`).join(',');
  const body = Array.from({ length: ROWS }, (_, row) => `wide,host=a ${fields(row)} ${1_700_000_000 + row}`).join('\n');
  const written = await request(server, 'POST', '/write', { body, params: { db: DB, precision: 's' } });
  if (written.status !== 204) throw new Error(`${written.status} ${written.text}`);
});

test.after.always(cleanupServers);

// Serial: each test parses megabytes of JSON, which holds this process's event loop; run side by
// side on a loaded machine, one test's stream sat unread past uWS's 10 s idle limit and was cut.
test.serial('select * over a thousand columns answers every value, in JSON and in Arrow batches', async (t) => {
  const q = 'select * from "wide,host=a"';
  const [json] = await jsonAnswer(server, DB, q);
  t.is(json!.columns.length, COLUMNS + 3); // time, sequence_number, the tag `host`, the fields
  t.is(json!.points.length, ROWS);
  const column = (name: string): number => json!.columns.indexOf(name);
  // Newest first: row r of the answer is the line written (ROWS - 1 - r)-th.
  for (const [r, c] of [[0, 0], [0, COLUMNS - 1], [ROWS - 1, 500], [417, 3]] as const) {
    t.is(Number(json!.points[r]![column(`f${c}`)]), (ROWS - 1 - r) * COLUMNS + c, `row ${r}, f${c}`);
  }
  const arrow = await arrowQuery(server, DB, q);
  t.is(arrow.status, 200, arrow.text);
  const batchRows = arrow.table!.batches.map((batch) => batch.numRows);
  t.true(Math.max(...batchRows) < ROWS, `rows this wide span several record batches: ${batchRows.join(', ')}`);
  t.deepEqual(asJsonSeries(arrow.table!, [json!]), [json!]);
});

test.serial('chunked, rows this wide make objects larger than a page slot, and every row still streams whole, once', async (t) => {
  // 1000 rows of a thousand fields are some 8 MB of JSON in one object: the page the shard
  // writes straight into its 1 MiB slot outgrows it and goes on in a buffer of its own.
  const streamed = await streamQuery(server, DB, 'select * from "wide,host=a"', { time_precision: 's' });
  t.is(streamed.status, 200);
  const objects: SeriesResult[] = [];
  for await (const object of streamed.objects) objects.push(object);
  t.true(objects.length >= 1);
  const rows = objects.flatMap((object) => object.points);
  t.is(rows.length, ROWS);
  const columns = objects[0]!.columns;
  const time = columns.indexOf('time');
  for (const [r, row] of rows.entries()) {
    const line = ROWS - 1 - r;
    t.is(row[time], 1_700_000_000 + line);
    for (const c of [0, 1, 499, COLUMNS - 1]) {
      if (row[columns.indexOf(`f${c}`)] !== line * COLUMNS + c) return t.fail(`row ${r}, f${c}: ${String(row[columns.indexOf(`f${c}`)])}`);
    }
  }
});
