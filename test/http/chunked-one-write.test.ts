/**
 * A small chunked answer leaves the server in one write: status line, headers, the one chunk
 * and the chunked body's end together. Each write is a system call and, with Nagle off, a
 * packet of its own; read over a raw socket, an answer sent in three writes arrives in several
 * reads. A chunked aggregate over many series goes out a shard's answer at a time, not a
 * series at a time. Also: a gzip-compressed one-page answer and an answer of series on every
 * shard still arrive whole.
 */
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { parseJsonConcatenation } from '../helpers/json-stream.js';
import { createDb, writeOk } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

const DB = 'onewrite';
const SERIES = 8;
/** Series of the aggregate: one write each would be this many packets. */
const MANY = 300;
let server: TestServer;

test.before(async () => {
  server = await startServer({ args: ['--shards', '2'] });
  await createDb(server, DB);
  const series = Array.from({ length: SERIES }, (_, s) => ({ name: `cpu.${s}`, columns: ['time', 'value'], points: [[1_400_000_000_000 + s, s + 0.5]] }));
  await writeOk(server, DB, series, { precision: 'ms' });
  const many = Array.from({ length: MANY }, (_, s) => ({ name: `load.${s}`, columns: ['time', 'value'], points: [[1_400_000_000_000, s], [1_400_000_000_001, s + 1]] }));
  await writeOk(server, DB, many, { precision: 'ms' });
});

test.after.always(cleanupServers);

/** Sends one GET on a fresh socket; resolves to the reads it took to get the whole chunked answer, and the answer. */
function readsOfAnswer(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ reads: number; answer: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('error', reject);
    socket.on('data', (data: Buffer) => {
      parts.push(data);
      const answer = Buffer.concat(parts);
      if (answer.includes('\r\n0\r\n\r\n')) {
        socket.destroy();
        resolve({ reads: parts.length, answer });
      }
    });
    const head = Object.entries(headers).map(([key, value]) => `${key}: ${value}\r\n`).join('');
    socket.write(`GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n`);
  });
}

/** The chunks of a chunked HTTP answer's body, one per write the server made. */
function chunksOf(answer: Buffer): Buffer[] {
  let at = answer.indexOf('\r\n\r\n') + 4;
  const chunks: Buffer[] = [];
  for (;;) {
    const lineEnd = answer.indexOf('\r\n', at);
    const size = Number.parseInt(answer.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return chunks;
    chunks.push(answer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const dechunk = (answer: Buffer): Buffer => Buffer.concat(chunksOf(answer));

const queryPath = (q: string): string => `/db/${DB}/series?u=root&p=root&chunked=true&q=${encodeURIComponent(q)}`;

test('a one-series chunked answer arrives in one read, head, chunk and end together', async (t) => {
  for (let round = 0; round < 20; round++) {
    const { reads, answer } = await readsOfAnswer(queryPath('select * from cpu.3'));
    t.is(reads, 1, `round ${round}: the answer took ${reads} reads`);
    t.true(answer.toString('latin1').startsWith('HTTP/1.1 200'));
    t.true(/transfer-encoding: chunked/i.test(answer.toString('latin1')), 'still a chunked answer');
    const [object] = parseJsonConcatenation(dechunk(answer).toString('utf8')) as { name: string; points: unknown[][] }[];
    t.is(object!.name, 'cpu.3');
    t.deepEqual(object!.points[0]!.slice(-1), [3.5]);
  }
});

test('an answer of series on every shard arrives whole, every series once', async (t) => {
  const { answer } = await readsOfAnswer(queryPath('select * from /^cpu/'));
  const objects = parseJsonConcatenation(dechunk(answer).toString('utf8')) as { name: string }[];
  t.deepEqual(objects.map((o) => o.name).sort(), Array.from({ length: SERIES }, (_, s) => `cpu.${s}`).sort());
});

test('a gzip-compressed one-series chunked answer arrives whole', async (t) => {
  const { answer } = await readsOfAnswer(queryPath('select * from cpu.5'), { 'Accept-Encoding': 'gzip' });
  t.true(/content-encoding: gzip/i.test(answer.toString('latin1')));
  const [object] = parseJsonConcatenation(gunzipSync(dechunk(answer)).toString('utf8')) as { name: string }[];
  t.is(object!.name, 'cpu.5');
});

test('a chunked aggregate over many series goes out in a few writes, each series once with its value', async (t) => {
  const { answer } = await readsOfAnswer(queryPath('select max(value) from /^load/ group by time(1h)'));
  // Each write is one HTTP chunk: one per series was 300; a shard's answer at a time is a few.
  const chunks = chunksOf(answer).length;
  t.true(chunks <= 12, `the answer came in ${chunks} chunks`);
  const objects = parseJsonConcatenation(dechunk(answer).toString('utf8')) as { name: string; points: number[][] }[];
  t.is(objects.length, MANY);
  for (const object of objects) t.is(object.points[0]![1], Number(object.name.slice('load.'.length)) + 1, object.name);
});
