/**
 * A whole response asked for after a streamed answer began — an error thrown once pieces went
 * out — must not put a status line and headers inside the chunked body, where clients read a
 * chunk size (undici: "Invalid character in chunk size"). The error's text goes out as one more
 * piece and the answer ends; a whole response that is not an error closes the connection.
 *
 * Exchange is driven through a stand-in for uWS's response that records, in order, what uWS
 * would put on the wire: no server answers this way on purpose, so no HTTP request can ask
 * for it.
 */
import test from 'ava';
import type { HttpResponse } from 'uWebSockets.js';
import { BadRequestError } from '../../src/errors.js';
import { Exchange } from '../../src/http/exchange.js';
import { chunkedQueryRequest } from '../helpers/chunked-request.js';

type Call = readonly [string, string?];

function recordingResponse(calls: Call[]): HttpResponse {
  const text = (data: unknown): string => (typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString());
  const res = {
    cork: (work: () => void) => {
      work();
      return res;
    },
    writeStatus: (status: string) => (calls.push(['status', status]), res),
    writeHeader: (key: string, value: string) => (calls.push(['header', `${key}: ${value}`]), res),
    write: (data: unknown) => (calls.push(['chunk', text(data)]), true),
    end: (data?: unknown) => (calls.push(['end', data === undefined ? '' : text(data)]), res),
    endWithoutBody: () => (calls.push(['end', '']), res),
    close: () => (calls.push(['close']), res),
    onWritable: () => res,
    onAborted: () => res,
    getRemoteAddressAsText: () => Buffer.from('127.0.0.1'),
  };
  return res as unknown as HttpResponse;
}

/** The calls after the first piece: what a client reads where it expects chunks. */
const afterFirstPiece = (calls: readonly Call[]): Call[] => calls.slice(calls.findIndex(([kind]) => kind === 'chunk'));

test('an error after a streamed answer began is appended as a piece, and the answer ends', async (t) => {
  const calls: Call[] = [];
  const exchange = new Exchange(recordingResponse(calls), chunkedQueryRequest());
  await exchange.writeChunk('{"name":"a","columns":["time"],"points":[[1]]}');
  t.true(exchange.streamed);
  exchange.error(new BadRequestError('a shard failed'));
  await exchange.sent;
  t.deepEqual(afterFirstPiece(calls), [
    ['chunk', '{"name":"a","columns":["time"],"points":[[1]]}'],
    ['chunk', 'a shard failed'],
    ['end', ''],
  ]);
  t.true(exchange.done);
});

test('a whole answer that is not an error, asked for after a streamed answer began, closes the connection', async (t) => {
  const calls: Call[] = [];
  const exchange = new Exchange(recordingResponse(calls), chunkedQueryRequest());
  await exchange.writeChunk('{"name":"a"}');
  exchange.json(200, []);
  await exchange.sent;
  t.deepEqual(afterFirstPiece(calls), [['chunk', '{"name":"a"}'], ['close']]);
});

test('before anything was streamed, an error is a whole response of its own', async (t) => {
  const calls: Call[] = [];
  const exchange = new Exchange(recordingResponse(calls), chunkedQueryRequest());
  t.false(exchange.streamed);
  exchange.error(new BadRequestError('no such series'));
  await exchange.sent;
  t.deepEqual(calls[0], ['status', '400 Bad Request']);
  t.deepEqual(calls.at(-1), ['end', 'no such series']);
  t.false(calls.some(([kind]) => kind === 'chunk'));
});
