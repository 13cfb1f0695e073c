/**
 * Ingestion is bounded (DESIGN.md invariant 8): more writes than the server can take are
 * refused with 503 and `Retry-After` while every acknowledged point is kept; bodies that grow
 * past the body limit — a gzip bomb, an endless chunked body — are refused with 413 without
 * being inflated or buffered whole.
 */
import test from 'ava';
import { rssBytes } from '../helpers/proc.js';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { createDb, querySeries, rawRequest, request, sleep, urlFor, write, type Target } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const MiB = 1024 * 1024;

test.serial('under overload writes get 503 with Retry-After and every acknowledged point is kept', async (t) => {
  const server = await startServer({
    args: ['--shards', '1', '--parse-threads', '1', '--parse-queue-bytes', '256KiB', '--shard-queue-bytes', '256KiB', '--memtable-bytes', '4MiB'],
  });
  await createDb(server, 'busy');
  const acknowledged = new Set<number>();
  const refusals = new Map<string, number>();
  let next = 0;
  let writing = true;
  const writer = async (): Promise<void> => {
    while (writing) {
      const first = next;
      next += 2_000;
      const points = Array.from({ length: 2_000 }, (_, i) => [first + i, i]);
      const result = await write(server, 'busy', [{ name: 'load', columns: ['time', 'value'], points }], { precision: 's' });
      if (result.status === 200) for (let i = 0; i < 2_000; i++) acknowledged.add(first + i);
      else {
        const key = `${result.status} ${result.headers.get('retry-after')} ${result.text}`;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
      }
    }
  };
  const writers = Array.from({ length: 48 }, writer);
  const rss: number[] = [];
  for (let i = 0; i < 15; i++) {
    await sleep(200);
    rss.push(rssBytes(server.pid));
  }
  writing = false;
  await Promise.all(writers);

  t.log(`refusals: ${JSON.stringify([...refusals])}; ${acknowledged.size} points acknowledged`);
  t.log(`server RSS every 200 ms (MiB): ${rss.map((b) => Math.round(b / MiB)).join(' ')}`);
  const kinds = [...refusals.keys()];
  t.true(kinds.length > 0, 'some writes must be refused under this load');
  for (const kind of kinds) t.regex(kind, /^503 1 /, 'a refusal is a 503 with Retry-After: 1');
  t.true(acknowledged.size > 0, 'some writes must get through');
  t.true(Math.max(...rss.slice(5)) < rss[4]! + 100 * MiB, 'memory must stay flat under sustained overload');

  const [stored] = await querySeries(server, 'busy', 'select value from load', { time_precision: 's' });
  const times = new Set((stored?.points ?? []).map((p) => p[0] as number));
  const missing = [...acknowledged].filter((time) => !times.has(time));
  t.is(missing.length, 0, `${missing.length} acknowledged points are missing`);
});

test.serial('a write refused while a flush catches up is a 503 with Retry-After, and every acknowledged point is kept', async (t) => {
  // A 1 MiB memtable takes writes until it and the one being flushed hold 2 MiB + 16 MiB of
  // headroom. One body of 1.5 M random floats (which pack into nothing smaller) is more than
  // that on its own: it is taken into an empty memtable, and bodies that arrive while it is
  // flushed are refused. The points' text is built once; each body names its own series. The
  // shard's queue takes all three bodies, so the memtable, not the queue, is what refuses.
  const server = await startServer({ args: ['--shards', '1', '--memtable-bytes', '1MiB', '--shard-queue-bytes', '512MiB'] });
  await createDb(server, 'full');
  const POINTS = 1_500_000;
  const values = Array.from({ length: POINTS }, () => Math.random() * 1e6);
  const pointsText = `[${values.map((value, i) => `[${i},${value}]`).join(',')}]`;
  const body = (series: string): string => `[{"name":"${series}","columns":["time","value"],"points":${pointsText}}]`;
  const acknowledged: string[] = [];
  const refused: string[] = [];
  const refusals = new Map<string, number>();
  for (let round = 0; round < 10 && refused.length === 0; round++) {
    await Promise.all(
      [0, 1, 2].map(async (writer) => {
        const series = `load${round}_${writer}`;
        const result = await request(server, 'POST', '/db/full/series', { body: body(series), params: { time_precision: 'u' } });
        if (result.status === 200) acknowledged.push(series);
        else {
          refused.push(series);
          const key = `${result.status} ${result.headers.get('retry-after')} ${result.text}`;
          refusals.set(key, (refusals.get(key) ?? 0) + 1);
        }
      }),
    );
  }
  t.log(`refusals: ${JSON.stringify([...refusals])}; ${acknowledged.length} bodies acknowledged`);
  const kinds = [...refusals.keys()];
  t.true(kinds.some((kind) => kind.includes('memtable is full while a flush catches up')), 'the flush must fall behind');
  for (const kind of kinds) t.regex(kind, /^503 1 /, 'a refusal is a 503 with Retry-After: 1');
  // Each body is one batch: an acknowledged one is stored whole, a refused one not at all.
  const expectedSum = values.reduce((sum, value) => sum + value, 0);
  for (const series of acknowledged) {
    const [stored] = await querySeries(server, 'full', `select count(value), sum(value) from ${series}`);
    const [, count, sum] = stored?.points[0] ?? [];
    t.is(count, POINTS, `${series} was acknowledged`);
    t.true(Math.abs((sum as number) - expectedSum) < 1e-6 * expectedSum, `${series}: sum ${sum} against ${expectedSum}`);
  }
  const listed = await querySeries(server, 'full', 'list series');
  const names = new Set((listed[0]?.points ?? []).map((p) => p[1] as string));
  for (const series of refused) t.false(names.has(series), `${series} was refused, yet listed`);
});

test.serial('a gzip bomb is refused with 413 without being inflated', async (t) => {
  const server = await startServer({ args: ['--max-body-size', '4MiB'] });
  await createDb(server, 'bombed');
  // 1024 gzip members of 1 MiB of zeros each: 1 MiB on the wire, 1 GiB inflated. The members
  // are alike, so one is compressed and repeated.
  const member = gzipSync(Buffer.alloc(MiB), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
  t.true(bomb.length < 1.1 * MiB);
  const before = rssBytes(server.pid);
  const started = Date.now();
  const result = await request(server, 'POST', '/db/bombed/series', { body: bomb, headers: { 'content-encoding': 'gzip' } });
  const elapsed = Date.now() - started;
  const after = rssBytes(server.pid);
  t.log(`${result.status} ${result.text} answered in ${elapsed} ms; server RSS ${Math.round(before / MiB)} → ${Math.round(after / MiB)} MiB`);
  t.is(result.status, 413);
  t.is(result.text, `Request body is larger than the limit of ${4 * MiB} bytes`);
  t.true(after - before < 64 * MiB, 'the server must not inflate the bomb');
  t.true(elapsed < 2_000, 'the refusal must come without inflating a gigabyte');
});

/** Status and body of a complete HTTP/1.1 answer with Content-Length, if `received` holds one. */
function completeAnswer(received: string): { status: number; text: string } | undefined {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = received.slice(0, headEnd);
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  const text = received.slice(headEnd + 4, headEnd + 4 + length);
  return text.length === length ? { status: Number(head.split(' ')[1]), text } : undefined;
}

/**
 * Streams spaces as a chunked body (no Content-Length) over a raw socket until the server
 * answers or `cap` bytes went out; resolves to the answer and how much was sent. A raw socket,
 * because the server may close the connection on the unread rest of the body, and an HTTP
 * client would then report its failed write instead of the answer it had received.
 */
function chunkedUntilAnswered(target: Target, path: string, cap: number): Promise<{ status: number; text: string; sent: number }> {
  const url = new URL(urlFor(target, path));
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = '';
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    const socket = net.connect(Number(url.port), url.hostname);
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (completeAnswer(received)) socket.destroy();
    });
    socket.on('close', () => {
      const answer = completeAnswer(received);
      if (answer) resolve({ ...answer, sent });
      else reject(new Error(`no complete HTTP answer; received ${JSON.stringify(received.slice(0, 300))}`));
    });
    socket.on('error', () => undefined);
    socket.write(`POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const pump = (): void => {
      while (!socket.destroyed && received === '' && sent < cap) {
        sent += 0x10000;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed && received === '') socket.end('0\r\n\r\n');
    };
    pump();
  });
}

test.serial('a chunked body is refused with 413 as soon as it passes the limit', async (t) => {
  const server = await startServer({ args: ['--max-body-size', '1MiB'] });
  await createDb(server, 'chunky');
  const before = rssBytes(server.pid);
  const result = await chunkedUntilAnswered(server, '/db/chunky/series', 512 * MiB);
  const after = rssBytes(server.pid);
  t.log(`answered after ${Math.round(result.sent / MiB)} MiB sent; server RSS ${Math.round(before / MiB)} → ${Math.round(after / MiB)} MiB`);
  t.is(result.status, 413);
  t.is(result.text, `Request body is larger than the limit of ${MiB} bytes`);
  t.true(result.sent < 64 * MiB, 'the answer must come long before the client stops sending');
  t.true(after - before < 64 * MiB);
  t.is((await rawRequest(server, 'GET', '/ping')).status, 200, 'the server is still healthy afterwards');
});
