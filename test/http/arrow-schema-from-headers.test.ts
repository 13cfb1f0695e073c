/**
 * An Arrow answer's column types over flushed data: segment blocks read whole give their
 * kinds from their headers, but a value the answer does not hold — outside the time range,
 * deleted, or overwritten by a newer point — must not change a column's type.
 */
import test from 'ava';
import { arrowQuery, asJsonSeries, jsonAnswer } from '../helpers/arrow-answer.js';
import { createDb, query, querySeries, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'kinds';
const T0 = 1_700_000_000;
/** Three segment blocks' worth of rows, one a second. */
const ROWS = 3000;
/** A row in the middle block, which a full-range answer reads whole. */
const MIDDLE = 1500;
let server: TestServer;

/** Floats, but a string in row `at`. */
function withStringAt(name: string, at: number): { name: string; columns: string[]; points: (number | string)[][] } {
  return { name, columns: ['time', 'value'], points: Array.from({ length: ROWS }, (_, i) => [T0 + i, i === at ? 'odd one' : i / 4]) };
}

test.before(async () => {
  const first = await startServer();
  await createDb(first, DB);
  await writeOk(first, DB, [withStringAt('edged', 0), withStringAt('deleted', MIDDLE), withStringAt('overwritten', MIDDLE)], { precision: 's' });
  // A graceful stop flushes the memtables: after the restart every point is in segment blocks.
  await first.stop();
  server = await startServer({ dataDir: first.dataDir });
});

test.after.always(cleanupServers);

/** The Arrow type of `value`, after checking that the answer holds what the JSON answer holds. */
async function valueType(t: import('ava').ExecutionContext, q: string): Promise<string> {
  const params = { time_precision: 's' };
  const arrow = await arrowQuery(server, DB, q, params);
  t.is(arrow.status, 200, arrow.text);
  const json = await jsonAnswer(server, DB, q, params);
  t.deepEqual(asJsonSeries(arrow.table!, json), json);
  return `${arrow.table!.schema.fields.find((f) => f.name === 'value')!.type}`;
}

test('a string outside the time range leaves the column Float64', async (t) => {
  t.is(await valueType(t, 'select * from edged'), 'Utf8');
  // The range starts at the second row (a start is inclusive, query-language.md §6.4).
  t.is(await valueType(t, `select * from edged where time > ${T0 + 1}s`), 'Float64');
});

test('a deleted string leaves the column Float64', async (t) => {
  t.is(await valueType(t, 'select * from deleted'), 'Utf8');
  const at = T0 + MIDDLE;
  t.is((await query(server, DB, `delete from deleted where time > ${at - 1}s and time < ${at + 1}s`)).status, 200);
  t.is(await valueType(t, 'select * from deleted'), 'Float64');
});

test('a string overwritten by a float leaves the column Float64', async (t) => {
  t.is(await valueType(t, 'select * from overwritten'), 'Utf8');
  const at = T0 + MIDDLE;
  const [point] = (await querySeries(server, DB, `select * from overwritten where time = ${at}s`, { time_precision: 's' }))[0]!.points;
  await writeOk(server, DB, [{ name: 'overwritten', columns: ['time', 'sequence_number', 'value'], points: [[at, point![1]!, 0.5]] }], { precision: 's' });
  t.is(await valueType(t, 'select * from overwritten'), 'Float64');
});
