/**
 * `POST /write` edges found probing it as Telegraf and the 1.x clients use it: an error quoting
 * a line with control bytes must still be a readable answer, content codings are
 * case-insensitive, a body that does not gunzip is 1.x's 400, and a point without a timestamp
 * gets the request's time truncated to its precision.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { createDb, querySeries, request } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, 'lp');
});

test.after.always(cleanupServers);

const write = (body: string | Uint8Array, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  request(server, 'POST', '/write', { params: { db: 'lp', precision: 's', ...params }, body, headers });

test('a bad line with control bytes is a readable 400: the header has them blanked, the JSON body has the line', async (t) => {
  const result = await write('cpu v=1 1\x00\x01\n');
  t.is(result.status, 400);
  const message = (JSON.parse(result.text) as { error: string }).error;
  t.true(message.includes('\x00\x01'), message);
  t.is(result.headers.get('x-influxdb-error'), message.replace(/[\x00-\x1f\x7f]+/g, ' '));
});

test('Content-Encoding is read in any case, and a body that does not gunzip is a 400 here', async (t) => {
  const zipped = await write(gzipSync('upper v=1 1700000000\n'), {}, { 'content-encoding': 'GZIP' });
  t.is(zipped.status, 204, zipped.text);
  t.deepEqual((await querySeries(server, 'lp', 'select v from upper', { time_precision: 's' }))[0]?.points.map((p) => [p[0], p[2]]), [[1700000000, 1]]);
  const broken = await write('not gzip', {}, { 'content-encoding': 'gzip' });
  t.deepEqual([broken.status, JSON.parse(broken.text)], [400, { error: 'incorrect header check' }]);
});

test('a point without a timestamp gets the request time truncated to the precision', async (t) => {
  const before = Date.now();
  t.is((await write('hourly v=1\n', { precision: 'h' })).status, 204);
  t.is((await write('secondly v=1\n', { precision: 's' })).status, 204);
  const [hourly] = await querySeries(server, 'lp', 'select v from hourly', { time_precision: 'u' });
  const [secondly] = await querySeries(server, 'lp', 'select v from secondly', { time_precision: 'u' });
  const hour = 3_600_000_000;
  const hourTime = hourly!.points[0]![0] as number;
  const secondTime = secondly!.points[0]![0] as number;
  t.is(hourTime % hour, 0);
  t.true(hourTime > before * 1000 - hour && hourTime <= Date.now() * 1000, String(hourTime));
  t.is(secondTime % 1_000_000, 0);
  t.true(secondTime > before * 1000 - 1_000_000, String(secondTime));
});

test('a body that is not UTF-8 is refused naming its line, rather than merging series under U+FFFD', async (t) => {
  const body = Buffer.concat([Buffer.from('good v=1 1\n'), Buffer.from([0x62, 0x61, 0x64, 0xff]), Buffer.from(',t=x v=1 1\n')]);
  const result = await write(body);
  t.is(result.status, 400);
  t.regex((JSON.parse(result.text) as { error: string }).error, /^unable to parse line 2: invalid UTF-8: 'bad\uFFFD,t=x v=1 1'$/);
  t.is((await request(server, 'GET', '/db/lp/series', { params: { q: 'select * from good' } })).status, 400, 'nothing of the body was stored');
});

test('credentials /write cannot read are 1.x\'s 401, not 0.8\'s 400', async (t) => {
  for (const authorization of ['Bearer x', 'Basic !!!', `Basic ${Buffer.from('root').toString('base64')}`]) {
    const result = await request(server, 'POST', '/write', { auth: null, params: { db: 'lp' }, body: 'x v=1 1\n', headers: { authorization } });
    t.is(result.status, 401, authorization);
  }
  const old = await request(server, 'GET', '/db', { auth: null, headers: { authorization: 'Basic !!!' } });
  t.deepEqual([old.status, old.text], [400, 'Bad encoding']);
});
