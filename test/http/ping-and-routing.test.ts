/**
 * Routing and the behaviour every route shares (http-api.md §1, §11): /ping, 404/405, OPTIONS
 * and CORS headers, the version header, HEAD, response compression and `pretty=true`.
 */
import test from 'ava';
import { gunzipSync, inflateSync } from 'node:zlib';
import { createDb, pipelined, rawRequest, request, type HttpResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

test.before(async () => {
  server = await startServer();
  await createDb(server, 'routing');
});

test.after.always(cleanupServers);

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-max-age': '2592000',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE',
  'access-control-allow-headers': 'Origin, X-Requested-With, Content-Type, Accept',
};

function allowed(result: HttpResult): string[] {
  return (result.headers.get('allow') ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter((method) => method !== '');
}

test.serial('GET /ping answers {"status":"ok"} without credentials', async (t) => {
  const result = await request(server, 'GET', '/ping', { auth: null });
  t.is(result.status, 200);
  t.is(result.text, '{"status":"ok"}');
});

test.serial('an unknown path is 404 page not found', async (t) => {
  for (const path of ['/nope', '/pingx', '/db/routing/series/x/y', '/db/routing/unknown']) {
    const result = await request(server, 'GET', path);
    t.is(result.status, 404, path);
    t.is(result.text.trim(), '404 page not found', path);
  }
});

test.serial('a known path with a wrong method is 405 with an Allow header', async (t) => {
  const ping = await request(server, 'PUT', '/ping');
  t.is(ping.status, 405);
  t.true(allowed(ping).includes('GET'), `Allow: ${ping.headers.get('allow')}`);
  t.false(allowed(ping).includes('PUT'));

  const dbs = await request(server, 'PUT', '/db');
  t.is(dbs.status, 405);
  t.true(allowed(dbs).includes('GET'), `Allow: ${dbs.headers.get('allow')}`);
  t.true(allowed(dbs).includes('POST'), `Allow: ${dbs.headers.get('allow')}`);

  const series = await request(server, 'PUT', '/db/routing/series');
  t.is(series.status, 405);
  t.true(allowed(series).includes('GET'), `Allow: ${series.headers.get('allow')}`);
  t.true(allowed(series).includes('POST'), `Allow: ${series.headers.get('allow')}`);
});

test.serial('OPTIONS answers 200 with an empty body and the CORS headers on every route', async (t) => {
  for (const path of ['/ping', '/db', '/db/routing', '/db/routing/series']) {
    const result = await request(server, 'OPTIONS', path, { auth: null });
    t.is(result.status, 200, path);
    t.is(result.text, '', path);
    for (const [name, value] of Object.entries(CORS_HEADERS)) t.is(result.headers.get(name), value, `${path} ${name}`);
  }
});

test.serial('responses of registered routes carry the CORS headers, errors included', async (t) => {
  const results = [
    await request(server, 'GET', '/ping'),
    await request(server, 'GET', '/db'),
    await request(server, 'GET', '/db', { auth: null }),
    await request(server, 'GET', '/db/routing/series', { params: { q: 'select * fromm x' } }),
  ];
  t.deepEqual(
    results.map((r) => r.status),
    [200, 200, 401, 400],
  );
  for (const result of results) {
    for (const [name, value] of Object.entries(CORS_HEADERS)) t.is(result.headers.get(name), value, name);
  }
});

test.serial('X-Influxdb-Version names InfluxDB and a v-prefixed version as its second token', async (t) => {
  const result = await request(server, 'GET', '/ping');
  const header = result.headers.get('x-influxdb-version');
  t.truthy(header, 'X-Influxdb-Version missing');
  const tokens = (header ?? '').split(/\s+/);
  t.is(tokens[0], 'InfluxDB');
  t.regex(tokens[1] ?? '', /^v\d/);
});

test.serial('every GET route answers HEAD with the same status and no body', async (t) => {
  const ping = await request(server, 'HEAD', '/ping');
  t.is(ping.status, 200);
  t.is(ping.text, '');

  const dbs = await request(server, 'HEAD', '/db');
  t.is(dbs.status, 200);
  t.is(dbs.text, '');

  const series = await request(server, 'HEAD', '/db/routing/series', { params: { q: 'list series' } });
  t.is(series.status, 200);
  t.is(series.text, '');
});

test.serial('a HEAD answer ends, so the next request on the connection is answered', async (t) => {
  const bytes = await pipelined(server.port, 'HEAD /ping HTTP/1.1\r\nHost: a\r\n\r\nGET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const answers = bytes.split(/(?=HTTP\/1\.1 )/);
  t.is(answers.length, 2, bytes);
  t.regex(answers[0]!, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  t.regex(answers[0]!, /\r\nContent-Length: 15\r\n/i);
  t.regex(answers[1]!, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{"status":"ok"\}$/);
});

test.serial('GET responses are gzip-compressed when Accept-Encoding asks for gzip', async (t) => {
  for (const acceptEncoding of ['gzip', 'gzip,deflate', 'gzip, deflate']) {
    const result = await rawRequest(server, 'GET', '/db?u=root&p=root', { headers: { 'accept-encoding': acceptEncoding } });
    t.is(result.status, 200, acceptEncoding);
    t.is(result.headers['content-encoding'], 'gzip', acceptEncoding);
    const names = (JSON.parse(gunzipSync(result.body).toString('utf8')) as { name: string }[]).map((d) => d.name);
    t.true(names.includes('routing'), acceptEncoding);
  }

  const query = await rawRequest(server, 'GET', '/db/routing/series?u=root&p=root&q=list%20series', {
    headers: { 'accept-encoding': 'gzip' },
  });
  t.is(query.status, 200);
  t.is(query.headers['content-encoding'], 'gzip');
  t.true(Array.isArray(JSON.parse(gunzipSync(query.body).toString('utf8'))));
});

test.serial('GET responses are zlib-deflated when deflate comes first in Accept-Encoding', async (t) => {
  const result = await rawRequest(server, 'GET', '/db?u=root&p=root', { headers: { 'accept-encoding': 'deflate,gzip' } });
  t.is(result.status, 200);
  t.is(result.headers['content-encoding'], 'deflate');
  t.true(Array.isArray(JSON.parse(inflateSync(result.body).toString('utf8'))));
});

test.serial('GET responses are not compressed without a matching Accept-Encoding', async (t) => {
  const cases: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br' }];
  for (const headers of cases) {
    const result = await rawRequest(server, 'GET', '/db?u=root&p=root', { headers });
    t.is(result.status, 200);
    t.is(result.headers['content-encoding'], undefined, JSON.stringify(headers));
    t.true(Array.isArray(JSON.parse(result.body.toString('utf8'))));
  }
});

test.serial('pretty=true indents JSON with four spaces; any other value gives compact JSON', async (t) => {
  const pretty = await request(server, 'GET', '/db', { params: { pretty: 'true' } });
  t.is(pretty.status, 200);
  t.is(pretty.text.trimEnd(), JSON.stringify(JSON.parse(pretty.text), null, 4));
  t.true(pretty.text.includes('\n    {'), pretty.text);

  const prettyPing = await request(server, 'GET', '/ping', { params: { pretty: 'true' } });
  t.is(prettyPing.text.trimEnd(), '{\n    "status": "ok"\n}');

  const query = await request(server, 'GET', '/db/routing/series', { params: { q: 'list series', pretty: 'true' } });
  t.is(query.status, 200);
  t.is(query.text.trimEnd(), JSON.stringify(JSON.parse(query.text), null, 4));

  for (const value of ['false', 'yes', '1', 'TRUE']) {
    const compact = await request(server, 'GET', '/db', { params: { pretty: value } });
    t.is(compact.text, JSON.stringify(JSON.parse(compact.text)), `pretty=${value}`);
  }
});
