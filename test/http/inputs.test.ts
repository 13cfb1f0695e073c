/**
 * The Graphite (TCP) and UDP inputs over real sockets: what they store and how it reads back,
 * bad lines and datagrams skipped and counted, a huge line refused, and under overload a TCP
 * sender held back without losing a line while UDP datagrams are dropped and counted.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import test from 'ava';
import { column, createDb, query, request, sleep, type SeriesResult } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

/** The port an input logged when it started listening. */
async function inputPort(server: TestServer, input: 'graphite' | 'graphite_udp' | 'udp'): Promise<number> {
  for (let i = 0; i < 100; i++) {
    for (const line of server.output().split('\n')) {
      if (!line.includes(`"${input} input listening"`)) continue;
      return (JSON.parse(line.slice(line.indexOf('{'))) as { port: number }).port;
    }
    await sleep(50);
  }
  throw new Error(`no ${input} port in the server's log:\n${server.output()}`);
}

/** Sends `chunks` one write at a time over one connection, then ends it; resolves when the server closed it. */
async function sendTcp(port: number, chunks: readonly (string | Buffer)[]): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (const chunk of chunks) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    await sleep(5);
  }
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The first series a query answers, or undefined while it fails (the series does not exist yet). */
async function firstSeries(server: TestServer, db: string, q: string): Promise<SeriesResult | undefined> {
  const result = await query(server, db, q);
  return result.status === 200 ? (JSON.parse(result.text) as SeriesResult[])[0] : undefined;
}

async function metric(server: TestServer, sample: string): Promise<number> {
  const text = (await request(server, 'GET', '/metrics', { auth: null })).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

async function countOf(server: TestServer, db: string, series: string): Promise<number | undefined> {
  const result = await query(server, db, `select count(value) from "${series}"`);
  if (result.status !== 200) return undefined;
  const parsed = JSON.parse(result.text) as { points: number[][] }[];
  return parsed[0]?.points[0]?.[1];
}

test('Graphite lines become series with a value column; bad lines are skipped and counted, a huge line closes its connection', async (t) => {
  const server = await startServer({ args: ['--graphite-port', '0', '--graphite-database', 'graphite'] });
  await createDb(server, 'graphite');
  const port = await inputPort(server, 'graphite');
  const before = Date.now();
  // A line split across writes, a float, an integer, no timestamp, a bad line in between.
  await sendTcp(port, ['servers.a.cpu 12.5 1700000', '000\nservers.a.cpu 13 1700000010\n', 'not a metric line\nservers.b.load 0.5\n', 'servers.c.up 1 -1']);
  const cpu = await eventually('servers.a.cpu', async () => {
    const series = await firstSeries(server, 'graphite', 'select value from "servers.a.cpu"');
    return series?.points.length === 2 ? series : undefined;
  });
  t.deepEqual(column(cpu, 'time'), [1700000010000, 1700000000000]);
  t.deepEqual(column(cpu, 'value'), [13, 12.5]);
  const exact = await query(server, 'graphite', 'select value from "servers.a.cpu"');
  t.regex(exact.text, /\[1700000010000,\d+,13\]/, 'an integer stays an integer');
  const load = await eventually('servers.b.load', () => firstSeries(server, 'graphite', 'select value from "servers.b.load"'));
  t.true((column(load, 'time')[0] as number) >= before - 1000, 'no timestamp → server time');
  await eventually('servers.c.up', async () => (await countOf(server, 'graphite', 'servers.c.up')) === 1 || undefined);
  t.is(await metric(server, 'sluice_input_dropped_total{input="graphite",reason="invalid"}'), 1);
  t.is(await metric(server, 'sluice_points_written_total{input="graphite"}'), 4);

  // Integers past 2^53 keep every digit (int64), like line protocol's `1i`.
  await sendTcp(port, ['servers.d.big 9223372036854775807 1700000000\nservers.d.big 123456789012345678 1700000001\n']);
  await eventually('servers.d.big', async () => (await countOf(server, 'graphite', 'servers.d.big')) === 2 || undefined);
  const big = await query(server, 'graphite', 'select value from "servers.d.big" order asc');
  t.regex(big.text, /\[1700000000000,\d+,9223372036854775807\],\[1700000001000,\d+,123456789012345678\]/);

  const huge = net.connect({ host: '127.0.0.1', port });
  const closed = new Promise((resolve) => huge.once('close', resolve));
  huge.on('error', () => undefined);
  huge.write(Buffer.alloc(100 * 1024, 'a'));
  await closed;
  t.is(await metric(server, 'sluice_input_dropped_total{input="graphite",reason="line_too_long"}'), 1);
});

test('a Graphite sender faster than the engine is held back, and every line is stored', async (t) => {
  // Queues far smaller than what is sent: writes meet overload and must wait, not drop.
  const server = await startServer({
    args: ['--graphite-port', '0', '--graphite-database', 'flood', '--parse-queue-bytes', '16KiB', '--shard-queue-bytes', '16KiB', '--shards', '2'],
  });
  await createDb(server, 'flood');
  const port = await inputPort(server, 'graphite');
  const lines = 20_000;
  const chunks: Buffer[] = [];
  for (let start = 0; start < lines; start += 1000) {
    let text = '';
    for (let i = start; i < start + 1000; i++) text += `flood.series${i % 4} ${i} ${1600000000 + i}\n`;
    chunks.push(Buffer.from(text));
  }
  await sendTcp(port, chunks);
  const stored = await eventually(
    'every line',
    async () => {
      let sum = 0;
      for (let s = 0; s < 4; s++) sum += (await countOf(server, 'flood', `flood.series${s}`)) ?? 0;
      return sum === lines ? sum : undefined;
    },
    15_000,
  );
  t.is(stored, lines);
  t.is(await metric(server, 'sluice_input_dropped_total{input="graphite",reason="overload"}'), 0);
});

test('UDP datagrams are 0.8 JSON bodies; bad and overflowing datagrams are dropped and counted', async (t) => {
  const server = await startServer({ args: ['--udp-port', '0', '--udp-database', 'udp', '--parse-queue-bytes', '1KiB', '--parse-threads', '1'] });
  await createDb(server, 'udp');
  const port = await inputPort(server, 'udp');
  const socket = dgram.createSocket('udp4');
  const send = (text: string): Promise<void> =>
    new Promise((resolve, reject) => socket.send(text, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  try {
    await send(JSON.stringify([{ name: 'udp_series', columns: ['time', 'value'], points: [[1700000000000, 1.5], [1700000001000, 2]] }]));
    const series = await eventually('udp_series', () => firstSeries(server, 'udp', 'select value from udp_series'));
    t.deepEqual(column(series, 'time'), [1700000001000, 1700000000000], 'time in ms, as 0.8');
    t.deepEqual(column(series, 'value'), [2, 1.5]);

    await send('[{"name":"broken"');
    await eventually('the invalid datagram counted', async () => (await metric(server, 'sluice_input_dropped_total{input="udp",reason="invalid"}')) === 1 || undefined);

    // Far more than a 1 KiB parse queue holds at once: some are refused, none waits in memory.
    const burst = 500;
    const body = JSON.stringify([{ name: 'burst', columns: ['value'], points: [[1]] }]);
    await Promise.all(Array.from({ length: burst }, () => send(body)));
    await sleep(1000);
    const overload = await metric(server, 'sluice_input_dropped_total{input="udp",reason="overload"}');
    const stored = (await countOf(server, 'udp', 'burst')) ?? 0;
    t.true(overload > 0, `some datagrams dropped for overload (stored ${stored})`);
    t.true(stored > 0, `some datagrams stored (dropped ${overload})`);
    t.true(stored + overload <= burst);
  } finally {
    socket.close();
  }
});

test('with graphite_udp, Graphite lines also come in UDP datagrams on the Graphite port number; fan-out queries copy them', async (t) => {
  const server = await startServer({ args: ['--graphite-port', '0', '--graphite-database', 'graphite', '--graphite-udp'] });
  await createDb(server, 'graphite');
  const cq = await query(server, 'graphite', 'select value from /^servers\\./ into copy.:series_name');
  t.is(cq.status, 200, cq.text);
  const port = await inputPort(server, 'graphite');
  t.is(await inputPort(server, 'graphite_udp'), port);
  const socket = dgram.createSocket('udp4');
  try {
    const datagram = 'servers.a.load 0.5 1700000000\nnot a line\nservers.a.load 0.75 1700000010\n';
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const series = await eventually('servers.a.load', () => firstSeries(server, 'graphite', 'select value from servers.a.load order asc'));
    t.deepEqual(column(series, 'value'), [0.5, 0.75]);
    t.deepEqual(column(series, 'time'), [1700000000000, 1700000010000]);
    await eventually('the bad line counted', async () => (await metric(server, 'sluice_input_dropped_total{input="graphite_udp",reason="invalid"}')) === 1 || undefined);
    const copy = await eventually('copy.servers.a.load', () => firstSeries(server, 'graphite', 'select value from copy.servers.a.load order asc'));
    t.deepEqual(column(copy, 'value'), [0.5, 0.75]);
    // The written points, fan-out copies included.
    t.is(await metric(server, 'sluice_points_written_total{input="graphite_udp"}'), 4);
  } finally {
    socket.close();
  }
});

test('graphite_udp without a Graphite port stops the start with the reason', async (t) => {
  const error = await t.throwsAsync(startServer({ args: ['--graphite-udp'] }));
  t.regex(error!.message, /graphite_udp needs graphite_port/);
});

test('inputs are off by default', async (t) => {
  const server = await startServer();
  t.false(server.output().includes('input listening'));
  t.is((await request(server, 'GET', '/ping', { auth: null })).status, 200);
});
