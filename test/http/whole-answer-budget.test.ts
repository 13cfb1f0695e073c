/**
 * Whole (non-chunked) answers are bounded together (DESIGN.md invariant 8): each is built
 * entirely before it is sent, and what the client has not read yet is kept until it does. The
 * bytes held count against `--whole-answer-bytes`; a query that finds no room is answered 503
 * with Retry-After, and a client that goes away gives its bytes back.
 */
import test from 'ava';
import net from 'node:net';
import { createDb, rawRequest, sleep, urlFor, writeOk, type SeriesInput } from '../helpers/client.js';
import { cleanupServers, startServer, type TestServer } from '../helpers/server.js';

test.after.always(cleanupServers);

const DB = 'exports';
const ROWS = 64_000;
const NOTE = 'n'.repeat(200);
/** Both series: about 31 MB of JSON, far more than a loopback socket takes unread. */
const EVERYTHING = 'select * from /.*/';

let serverPromise: Promise<TestServer> | undefined;

/** A two-shard server allowing whole answers 1 MiB together, holding two series of 64,000 wide rows. */
function server(): Promise<TestServer> {
  serverPromise ??= (async () => {
    const started = await startServer({ args: ['--shards', '2', '--whole-answer-bytes', '1MiB'] });
    await createDb(started, DB);
    for (const name of ['left', 'right']) {
      for (let from = 0; from < ROWS; from += 16_000) {
        const points = Array.from({ length: 16_000 }, (_, i) => [1_600_000_000 + from + i, from + i, NOTE]);
        const body: SeriesInput[] = [{ name, columns: ['time', 'value', 'note'], points }];
        await writeOk(started, DB, body, { precision: 's' });
      }
    }
    return started;
  })();
  return serverPromise;
}

const queryPath = (q: string, extra = ''): string => `/db/${DB}/series?u=root&p=root&q=${encodeURIComponent(q)}${extra}`;

interface HeldAnswer {
  /** Resolves once the status line and the first bytes have come. */
  readonly started: Promise<void>;
  /** Reads the rest; resolves to the whole response's body. */
  readAll(): Promise<Buffer>;
  destroy(): void;
}

/** A client that asks for `q` whole and reads nothing past the first bytes until told to. */
function heldAnswer(target: TestServer, q: string): HeldAnswer {
  const chunks: Buffer[] = [];
  const socket = net.connect(target.port, '127.0.0.1', () => {
    socket.write(`GET ${queryPath(q)} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  const started = new Promise<void>((resolve) =>
    socket.once('data', (first: Buffer) => {
      chunks.push(first);
      socket.pause();
      resolve();
    }),
  );
  return {
    started,
    async readAll() {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.resume();
      await closed;
      const response = Buffer.concat(chunks);
      const headEnd = response.indexOf('\r\n\r\n');
      if (!response.subarray(0, headEnd).toString().startsWith('HTTP/1.1 200')) throw new Error(`held answer: ${response.subarray(0, headEnd).toString()}`);
      return response.subarray(headEnd + 4);
    },
    destroy: () => socket.destroy(),
  };
}

test.serial('an answer alone is sent whole, however far past the budget it goes', async (t) => {
  const target = await server();
  const response = await rawRequest(target, 'GET', queryPath(EVERYTHING));
  t.is(response.status, 200);
  t.true(response.body.length > 30e6, `${response.body.length} bytes`);
  const series = JSON.parse(response.body.toString()) as { name: string; points: unknown[][] }[];
  t.deepEqual(
    series.map((s) => [s.name, s.points.length]),
    [
      ['left', ROWS],
      ['right', ROWS],
    ],
  );
});

test.serial('while a slow reader holds an answer, other large whole answers get 503 and small or chunked ones go on', async (t) => {
  const target = await server();
  const slow = heldAnswer(target, EVERYTHING);
  await slow.started;
  // The server has sent what the socket takes; the rest of the answer waits, counted.
  await sleep(200);

  const refused = await rawRequest(target, 'GET', queryPath('select * from left'));
  t.is(refused.status, 503, refused.body.subarray(0, 200).toString());
  t.is(refused.headers['retry-after'], '1');
  t.regex(refused.body.subarray(0, 300).toString(), /whole answers .* 1 MiB .*chunked=true/);
  const aggregate = await rawRequest(target, 'GET', queryPath('select note from left group by time(1s)'));
  t.is(aggregate.status, 503, 'an aggregate answer counts against the same budget');

  const small = await rawRequest(target, 'GET', queryPath('select value from left limit 3'));
  t.is(small.status, 200, small.body.subarray(0, 200).toString());
  t.is((JSON.parse(small.body.toString()) as { points: unknown[] }[])[0]!.points.length, 3);
  const chunked = await fetch(urlFor(target, `/db/${DB}/series`, { q: 'select * from right', chunked: 'true' }));
  t.is(chunked.status, 200);
  t.true((await chunked.text()).length > 15e6);

  // The held answer is still sent whole once its client reads, and leaves the budget free.
  const held = await slow.readAll();
  const fresh = await rawRequest(target, 'GET', queryPath(EVERYTHING));
  t.is(fresh.status, 200);
  t.true(held.equals(fresh.body), 'the answer a slow reader got must be the whole answer');
});

test.serial('a slow reader that goes away gives back what its answer held', async (t) => {
  const target = await server();
  const slow = heldAnswer(target, EVERYTHING);
  await slow.started;
  await sleep(200);
  t.is((await rawRequest(target, 'GET', queryPath('select * from right'))).status, 503);
  slow.destroy();
  await sleep(200);
  const after = await rawRequest(target, 'GET', queryPath('select * from right'));
  t.is(after.status, 200, after.body.subarray(0, 200).toString());
  t.is((JSON.parse(after.body.toString()) as { points: unknown[] }[])[0]!.points.length, ROWS);
});
