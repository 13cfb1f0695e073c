/**
 * Every rejected write of http-api.md §4 answers with its status and text, and stores nothing:
 * after each one the database holds exactly what it held before (§4.7 — validation failures
 * write nothing, even for the valid series earlier in the same body).
 */
import test, { type ExecutionContext } from 'ava';
import {
  createDb,
  listDbs,
  listSeries,
  query,
  querySeries,
  rawRequest,
  write,
  writeOk,
  type WriteOptions,
} from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'werr';
const BODY_LIMIT = 1024;
let server: TestServer;
/** A second server with a small body limit, for the 413 case. */
let limited: TestServer;

test.before(async () => {
  [server, limited] = await Promise.all([startServer(), startServer({ args: ['--max-body-size', String(BODY_LIMIT)] })]);
  for (const target of [server, limited]) {
    await createDb(target, DB);
    await writeOk(target, DB, [{ name: 'base', columns: ['time', 'v'], points: [[1380000000, 1]] }], { precision: 's' });
  }
});

test.after.always(cleanupServers);

async function assertUnchanged(t: ExecutionContext, target: TestServer = server): Promise<void> {
  t.deepEqual(await listSeries(target, DB), ['base'], 'a rejected write must not create series');
  const base = await querySeries(target, DB, 'select * from base', { time_precision: 's' });
  t.is(base[0]?.points.length, 1, 'a rejected write must not add points');
}

interface BadWrite {
  readonly title: string;
  readonly body: string;
  readonly options?: WriteOptions;
  readonly status: number;
  /** Exact body, or a pattern when the text is the JSON decoder's own message. */
  readonly text: string | RegExp;
}

const series = (name: string, columns: string, points: string): string =>
  `[{"name":${JSON.stringify(name)},"columns":${columns},"points":${points}}]`;

const badWrites: BadWrite[] = [
  { title: 'malformed JSON', body: '[{"name":"bad",', status: 400, text: /./ },
  { title: 'not JSON at all', body: 'hello', status: 400, text: /./ },
  { title: 'an object instead of an array', body: '{"name":"bad","columns":["v"],"points":[[1]]}', status: 400, text: /./ },
  { title: 'a point shorter than columns', body: series('bad', '["a","b"]', '[[1]]'), status: 400, text: 'invalid payload' },
  { title: 'a point longer than columns', body: series('bad', '["a"]', '[[1,2]]'), status: 400, text: 'invalid payload' },
  {
    title: 'duplicate column names',
    body: series('bad', '["a","a"]', '[[1,2]]'),
    status: 400,
    text: 'Cannot have duplicate field names',
  },
  { title: 'an empty series name', body: series('', '["a"]', '[[1]]'), status: 400, text: 'Series name cannot be empty' },
  {
    title: 'an object value',
    body: series('bad', '["a"]', '[[{"x":1}]]'),
    status: 400,
    text: 'Unknown type map[string]interface {}',
  },
  { title: 'an array value', body: series('bad', '["a"]', '[[[1]]]'), status: 400, text: 'Unknown type []interface {}' },
  {
    title: 'a string time',
    body: series('bad', '["time","a"]', '[["abc",1]]'),
    status: 400,
    text: 'time field must be float but is string (abc)',
  },
  {
    title: 'a null time',
    body: series('bad', '["time","a"]', '[[null,1]]'),
    status: 400,
    text: 'time field must be float but is <nil> (<nil>)',
  },
  {
    title: 'a bool time',
    body: series('bad', '["time","a"]', '[[true,1]]'),
    status: 400,
    text: 'time field must be float but is bool (true)',
  },
  {
    title: 'a string sequence_number',
    body: series('bad', '["sequence_number","a"]', '[["x",1]]'),
    status: 400,
    text: 'sequence_number field must be float but is string (x)',
  },
  ...['-1', '7.9', '9007199254740992', '1e17', '1e300', '18446744073709551615'].map((literal) => ({
    title: `a sequence_number of ${literal}`,
    body: series('bad', '["sequence_number","a"]', `[[${literal},1]]`),
    status: 400,
    text: `sequence_number field must be an integer from 0 to 9007199254740991 but is ${literal}`,
  })),
  {
    title: 'a time after year 9999',
    body: series('bad', '["time","a"]', '[[1000000000000,1]]'),
    options: { precision: 's' },
    status: 400,
    text: /year outside of range \[0,9999\]/,
  },
  {
    title: 'a time before year 0',
    body: series('bad', '["time","a"]', '[[-100000000000,1]]'),
    options: { precision: 's' },
    status: 400,
    text: /year outside of range \[0,9999\]/,
  },
  {
    title: 'an unknown time precision',
    body: series('bad', '["a"]', '[[1]]'),
    options: { precision: 'x' },
    status: 400,
    text: 'Unknown time precision x',
  },
  {
    title: 'an unknown time precision, checked before authentication',
    body: series('bad', '["a"]', '[[1]]'),
    options: { precision: 'h', auth: null },
    status: 400,
    text: 'Unknown time precision h',
  },
  {
    title: 'a valid series followed by one with a bad point',
    body:
      '[{"name":"good1","columns":["a"],"points":[[1]]},' +
      '{"name":"bad","columns":["a","b"],"points":[[1,2],[1]]}]',
    status: 400,
    text: 'invalid payload',
  },
  {
    title: 'a valid series followed by one with a bad time',
    body:
      '[{"name":"good2","columns":["time","a"],"points":[[1380000000,1]]},' +
      '{"name":"bad","columns":["time","a"],"points":[[1380000000,1],["abc",2]]}]',
    options: { precision: 's' },
    status: 400,
    text: 'time field must be float but is string (abc)',
  },
  {
    title: 'a valid series followed by one with an empty name',
    body: '[{"name":"good3","columns":["a"],"points":[[1]]},{"name":"","columns":["a"],"points":[[1]]}]',
    status: 400,
    text: 'Series name cannot be empty',
  },
  {
    title: 'a valid series followed by one with an object value',
    body: '[{"name":"good4","columns":["a"],"points":[[1]]},{"name":"bad","columns":["a"],"points":[[1],[{}]]}]',
    status: 400,
    text: 'Unknown type map[string]interface {}',
  },
];

for (const bad of badWrites) {
  test.serial(`rejects ${bad.title} and stores nothing`, async (t) => {
    const result = await write(server, DB, bad.body, bad.options);
    t.is(result.status, bad.status, result.text);
    if (typeof bad.text === 'string') t.is(result.text, bad.text);
    else t.regex(result.text, bad.text);
    await assertUnchanged(t);
    for (const name of ['bad', 'good1', 'good2', 'good3', 'good4']) {
      const lookup = await query(server, DB, `select * from ${name}`);
      t.is(lookup.status, 400, `${name} must not exist: ${lookup.text}`);
    }
  });
}

test.serial('a series with empty or missing points is skipped silently', async (t) => {
  const result = await write(server, DB, '[{"name":"emptyp","columns":["a"],"points":[]},{"name":"nopoints","columns":["a"]}]');
  t.is(result.status, 200, result.text);
  await assertUnchanged(t);
});

test.serial("writing to an unknown database → 400 Database <db> doesn't exist", async (t) => {
  const result = await write(server, 'nosuchdb', series('x', '["a"]', '[[1]]'));
  t.is(result.status, 400);
  t.is(result.text, "Database nosuchdb doesn't exist");
  t.false((await listDbs(server)).includes('nosuchdb'));
});

test.serial('a gzip-compressed body with Content-Encoding: gzip is accepted', async (t) => {
  await createDb(server, 'wgzip');
  const result = await write(server, 'wgzip', [{ name: 'zipped', columns: ['time', 'v'], points: [[1380000000, 42]] }], {
    precision: 's',
    gzip: true,
  });
  t.is(result.status, 200, result.text);
  const stored = await querySeries(server, 'wgzip', 'select v from zipped', { time_precision: 's' });
  t.is(stored[0]?.points.length, 1);
  t.is(stored[0]?.points[0]?.[2], 42);
});

test.serial('a corrupt gzip body → 500 and nothing stored', async (t) => {
  const result = await write(server, DB, series('bad', '["a"]', '[[1]]'), { headers: { 'content-encoding': 'gzip' } });
  t.is(result.status, 500, result.text);
  t.not(result.text, '');
  await assertUnchanged(t);
});

test.serial(`a body over --max-body-size → 413 and nothing stored`, async (t) => {
  const points = Array.from({ length: 200 }, (_, i) => [1380000100 + i, i]);
  const body = JSON.stringify([{ name: 'big', columns: ['time', 'v'], points }]);
  t.true(body.length > 2 * BODY_LIMIT);
  // node:http sends the whole body even if the server answers before reading it.
  const result = await rawRequest(limited, 'POST', `/db/${DB}/series?u=root&p=root&time_precision=s`, {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  t.is(result.status, 413, result.body.toString('utf8'));
  await assertUnchanged(t, limited);

  const fits = await write(limited, DB, [{ name: 'base', columns: ['time', 'v'], points: [[1380000001, 2]] }], { precision: 's' });
  t.is(fits.status, 200, `a body under the limit is still accepted: ${fits.text}`);
});
