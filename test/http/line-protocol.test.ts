/**
 * `POST /write`: InfluxDB line protocol stored as 0.8 series (series = the 1.x series key,
 * fields and tags as columns) and read back through the 0.8 query API; precisions, escapes,
 * value types, comments and CRLF; errors name the line and store nothing.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { column, createDb, listSeries, query, querySeries, request, writeOk, type Credentials, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'lines';
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '3'] });
  await createDb(server, DB);
});

test.after.always(cleanupServers);

function writeLines(body: string | Uint8Array, params: Record<string, string> = {}, auth: Credentials | null = { u: 'root', p: 'root' }, headers: Record<string, string> = {}) {
  return request(server, 'POST', '/write', { params: { db: DB, ...params }, body, auth, headers });
}

async function writeLinesOk(t: { is: (a: unknown, b: unknown, m?: string) => void }, body: string, params: Record<string, string> = {}): Promise<void> {
  const result = await writeLines(body, params);
  t.is(result.status, 204, result.text);
}

async function only(q: string, params: Record<string, string> = {}): Promise<SeriesResult> {
  const result = await querySeries(server, DB, q, params);
  if (result.length !== 1) throw new Error(`expected one series for ${q}, got ${JSON.stringify(result)}`);
  return result[0]!;
}

/** Column name → value of the only point. */
function row(series: SeriesResult): Record<string, unknown> {
  if (series.points.length !== 1) throw new Error(`expected one point, got ${JSON.stringify(series.points)}`);
  return Object.fromEntries(series.columns.map((name, i) => [name, series.points[0]![i]]));
}

test.serial("Telegraf's lines become series named by their 1.x series key, fields and tags as columns", async (t) => {
  const before = Date.now();
  await writeLinesOk(
    t,
    [
      'cpu,cpu=cpu0,host=x usage_idle=98.2,usage_user=1.1 1700000000000000000',
      'mem,host=x active=123i,available_percent=45.2',
      'disk,device=sda1,fstype=ext4,host=x,mode=rw,path=/ free=1234i,used_percent=12.5',
      'system,host=x uptime_format="10 days, 3:04"',
      'net,host=x,interface=eth0 bytes_recv=12345u',
      '',
    ].join('\n'),
  );
  const names = await listSeries(server, DB);
  for (const name of ['cpu,cpu=cpu0,host=x', 'mem,host=x', 'disk,device=sda1,fstype=ext4,host=x,mode=rw,path=/', 'system,host=x', 'net,host=x,interface=eth0']) {
    t.true(names.includes(name), `${name} in ${JSON.stringify(names)}`);
  }
  const cpu = await only('select * from "cpu,cpu=cpu0,host=x"');
  t.deepEqual(cpu.columns, ['time', 'sequence_number', 'usage_idle', 'usage_user', 'cpu', 'host']);
  t.like(row(cpu), { time: 1700000000000, usage_idle: 98.2, usage_user: 1.1, cpu: 'cpu0', host: 'x' });
  const mem = row(await only('select * from "mem,host=x"'));
  t.like(mem, { active: 123, available_percent: 45.2, host: 'x' });
  t.true((mem.time as number) >= before - 1000 && (mem.time as number) <= Date.now() + 1000, 'no timestamp → server time');
  t.like(row(await only('select * from "disk,device=sda1,fstype=ext4,host=x,mode=rw,path=/"')), { free: 1234, used_percent: 12.5, path: '/', mode: 'rw' });
  t.like(row(await only('select * from "system,host=x"')), { uptime_format: '10 days, 3:04' });
  t.like(row(await only('select * from "net,host=x,interface=eth0"')), { bytes_recv: 12345, interface: 'eth0' });
});

test.serial('tags are columns: a regex select over many series filters by tag', async (t) => {
  await writeLinesOk(t, 'load,host=a,region=us v=1 1000000000000\nload,host=b,region=eu v=2 1000000000000\nload,host=c,region=us v=3 1000000000000\n', { precision: 'ms' });
  const us = await querySeries(server, DB, "select v from /^load,/ where region = 'us'");
  t.deepEqual(us.map((s) => [s.name, column(s, 'v')]), [
    ['load,host=a,region=us', [1]],
    ['load,host=c,region=us', [3]],
  ]);
  const counted = await querySeries(server, DB, 'select count(v) from /^load,/ where host =~ /^[ab]$/');
  t.deepEqual(counted.map((s) => s.name), ['load,host=a,region=us', 'load,host=b,region=eu']);
});

test.serial('tag order and optional escapes do not split a series; escapes round-trip', async (t) => {
  await writeLinesOk(t, 'order,region=us,host=a v=1 1\norder,host=a,region=us v=2 2\n', { precision: 's' });
  t.deepEqual(column(await only('select v from "order,host=a,region=us" order asc'), 'v'), [1, 2]);

  await writeLinesOk(t, 'we\\,ird\\ m,ta\\=g=va\\ l\\,ue f\\=ield="say \\"hi\\" \\\\o/",n=-9223372036854775808i,big=9223372036854775807u 5\n', { precision: 's' });
  const weird = await only('select * from /^we/');
  t.is(weird.name, 'we\\,ird\\ m,ta\\=g=va\\ l\\,ue');
  t.like(row(weird), { time: 5000, 'f=ield': 'say "hi" \\o/', 'ta=g': 'va l,ue' });
  const exact = await query(server, DB, 'select n, big from /^we/');
  t.regex(exact.text, /,9223372036854775807,-9223372036854775808\]/);
});

test.serial('value types: floats in every form, ints, unsigned, every boolean spelling, strings', async (t) => {
  await writeLinesOk(
    t,
    'types a=1,b=-1.5,c=1e3,d=.5,e=1.,f=-0.000001,g=12345678901234567890,h=1.7976931348623157e308 1\n' +
      'types i=-42i,u=42u,t1=t,t2=T,t3=true,t4=True,t5=TRUE,f1=f,f2=F,f3=false,f4=False,f5=FALSE,s="",s2="a\\b" 2\n',
    { precision: 's' },
  );
  const floats = await querySeries(server, DB, 'select a, b, c, d, e, f, g, h from types');
  t.deepEqual(floats[0]!.points[0]!.slice(2), [1, -1.5, 1000, 0.5, 1, -0.000001, 12345678901234567890, 1.7976931348623157e308]);
  const rest = row(await only('select i, u, t1, t2, t3, t4, t5, f1, f2, f3, f4, f5, s, s2 from types'));
  t.like(rest, { i: -42, u: 42, t1: true, t2: true, t3: true, t4: true, t5: true, f1: false, f2: false, f3: false, f4: false, f5: false, s: '', s2: 'a\\b' });
});

test.serial('precisions n (default), u, ms, s, m, h; nanoseconds truncate to microseconds', async (t) => {
  const cases: [string | undefined, string, number][] = [
    [undefined, '1700000000123456789', 1700000000123456],
    ['u', '1700000000123456', 1700000000123456],
    ['ms', '1700000000123', 1700000000123000],
    ['s', '1700000000', 1700000000000000],
    ['m', '28333333', 28333333 * 60_000_000],
    ['h', '472222', 472222 * 3_600_000_000],
    [undefined, '-1500', -1],
  ];
  for (const [precision, stamp, us] of cases) {
    const series = `prec_${precision ?? 'default'}_${stamp.startsWith('-') ? 'neg' : 'pos'}`;
    await writeLinesOk(t, `${series} v=1 ${stamp}`, precision === undefined ? {} : { precision });
    t.deepEqual(column(await only(`select v from ${series}`, { time_precision: 'u' }), 'time'), [us], `${precision} ${stamp}`);
  }
});

test.serial('comments, blank lines, leading spaces and CRLF are accepted; gzip bodies too', async (t) => {
  await writeLinesOk(t, '# a comment\r\n\r\n  crlf v=1 1\r\ncrlf v=2 2\r\n# end\r\n', { precision: 's' });
  t.deepEqual(column(await only('select v from crlf order asc'), 'v'), [1, 2]);
  const gz = await writeLines(gzipSync('gz v=7 1\n'), { precision: 's' }, { u: 'root', p: 'root' }, { 'content-encoding': 'gzip' });
  t.is(gz.status, 204, gz.text);
  t.deepEqual(column(await only('select v from gz'), 'v'), [7]);
});

test.serial('a bad line is a 400 naming its line number, and nothing of the request is stored', async (t) => {
  const bad: [string, RegExp][] = [
    ['atomic v=1\natomic v=2\natomic v=x\n', /^unable to parse line 3: invalid number 'x': 'atomic v=x'$/],
    ['atomic v=1\n\natomic\n', /line 3: missing fields/],
    ['atomic,host v=1\n', /line 1: invalid tag format/],
    ['atomic,host= v=1\n', /missing tag value/],
    ['atomic v=1,v=2\n', /duplicate field 'v'/],
    ['atomic time=1\n', /field key 'time' is reserved/],
    ['atomic,v=a v=1\n', /field key 'v' is also a tag key/],
    ['atomic v="open\n', /unterminated string/],
    ['atomic v=tru\n', /invalid boolean 'tru'/],
    ['atomic v=9223372036854775808i\n', /integer out of range/],
    ['atomic v=18446744073709551615u\n', /unsigned integer above 9223372036854775807/],
    ['atomic v=1 12x\n', /invalid timestamp/],
    ['atomic v=1 1 2\n', /unexpected text after the point/],
    ['atomic v=1 99999999999999999\n', /timestamp out of range/],
  ];
  for (const [body, message] of bad) {
    const [status, error] = await statusText(writeLines(body, body.includes('99999999999999999') ? { precision: 's' } : {}));
    t.is(status, 400, body);
    t.regex(error, message, body);
  }
  t.false((await listSeries(server, DB)).includes('atomic'));
});

test.serial('database, precision and credential errors', async (t) => {
  t.deepEqual(await statusText(writeLines('x v=1', { db: 'missing' })), [404, 'database not found: "missing"']);
  t.deepEqual(await statusText(request(server, 'POST', '/write', { body: 'x v=1' })), [400, 'database is required']);
  t.deepEqual(await statusText(writeLines('x v=1', { precision: 'ns2' })), [400, "invalid precision 'ns2': expected n, u, ms, s, m or h"]);
  t.is((await statusText(writeLines('x v=1', {}, null)))[0], 401);
  t.is((await statusText(writeLines('x v=1', {}, { u: 'root', p: 'wrong' })))[0], 401);
  const basic = await writeLines('basic v=1', {}, null, { authorization: `Basic ${Buffer.from('root:root').toString('base64')}` });
  t.is(basic.status, 204, basic.text);
});

test.serial("a database user's write permissions apply to line-protocol series", async (t) => {
  const created = await request(server, 'POST', `/db/${DB}/users`, { body: JSON.stringify({ name: 'writer', password: 'secret1', readFrom: '.*', writeTo: '^allowed' }) });
  t.is(created.status, 200, created.text);
  t.is((await writeLines('allowed,host=a v=1', {}, { u: 'writer', p: 'secret1' })).status, 204);
  const refused = await writeLines('allowed,host=a v=1\ndenied v=1', {}, { u: 'writer', p: 'secret1' });
  t.is(refused.status, 403, refused.text);
  t.false((await listSeries(server, DB)).includes('denied'));
});

/** An error answer of `/write` as 1.x writes it: `{"error": message}`, the message also in X-Influxdb-Error. */
async function statusText(pending: Promise<{ status: number; text: string; headers: Headers }>): Promise<[number, string]> {
  const result = await pending;
  if (result.headers.get('content-type') !== 'application/json') throw new Error(`not a JSON error: ${result.status} ${result.text}`);
  const { error } = JSON.parse(result.text) as { error: string };
  if (result.headers.get('x-influxdb-error') !== error.replace(/[\r\n]+/g, ' ')) throw new Error(`X-Influxdb-Error is ${result.headers.get('x-influxdb-error')}`);
  return [result.status, error];
}

test.serial('a tag column holds its series key value in every row, and 0.8 writes of other values to it keep theirs, after kill -9 and after a restart', async (t) => {
  const own = await startServer({ args: ['--shards', '2'] });
  await createDb(own, DB);
  const series = 'tagged,host=x';
  // Lines over several requests: the tag is one string a series, sealed as a constant column.
  for (let r = 0; r < 4; r++) {
    const lines = [0, 1, 2].map((i) => `${series} v=${3 * r + i} ${1_000 + 3 * r + i}`).join('\n');
    const result = await request(own, 'POST', '/write', { params: { db: DB, precision: 's' }, body: lines });
    t.is(result.status, 204, result.text);
  }
  // 0.8 writes to the same series may give its `host` column any value, or none.
  await writeOk(own, DB, [{ name: series, columns: ['time', 'v', 'host'], points: [[1_100, 100, 'y'], [1_101, 101, null], [1_102, 102, 7]] }], { precision: 's' });
  await writeOk(own, DB, [{ name: series, columns: ['time', 'v'], points: [[1_103, 103]] }], { precision: 's' });
  const expected = [
    ...Array.from({ length: 12 }, (_, i) => [1_000 + i, i, 'x']),
    [1_100, 100, 'y'],
    [1_101, 101, null],
    [1_102, 102, 7],
    [1_103, 103, null],
  ];
  const check = async (target: TestServer, when: string): Promise<void> => {
    const [answer] = await querySeries(target, DB, `select v, host from "${series}" order asc`, { time_precision: 's' });
    const [time, v, host] = [column(answer!, 'time'), column(answer!, 'v'), column(answer!, 'host')];
    t.deepEqual(time.map((at, i) => [at, v[i], host[i] ?? null]), expected, when);
    const [counted] = await querySeries(target, DB, `select count(v) from "${series}" where host = 'x'`);
    t.is(counted!.points[0]![1], 12, when);
  };
  await check(own, 'from the memtable');
  // Killed: the points come back from the WAL, whose records hold the tags as constant columns.
  await own.kill9();
  const replayed = await startServer({ dataDir: own.dataDir, args: ['--shards', '2'] });
  await check(replayed, 'replayed from the WAL after kill -9');
  t.is(await replayed.stop(), 0);
  const again = await startServer({ dataDir: own.dataDir, args: ['--shards', '2'] });
  await check(again, 'from segments after a restart');
  await again.stop();
});
