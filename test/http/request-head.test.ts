/**
 * A request head (URL and headers) over 4 KiB gets an answer, 414 or 431, whenever it reaches
 * our code: uWS resets the connection on such a head when it spans socket reads (always for
 * a 1 MB URL), so the limit is the same however the network splits the request.
 */
import test from 'ava';
import net from 'node:net';
import { rawRequest } from '../helpers/client.js';
import { cleanupServers, startServer } from '../helpers/server.js';

test.after.always(cleanupServers);

/** Sends `head` in one write and resolves with what came back before the connection closed. */
function sendHead(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
  });
}

test('heads over 4 KiB are answered 414 or 431; a 1 MB URL is reset without harm', async (t) => {
  const server = await startServer();
  const long = 'a'.repeat(10_000);
  const uri = await rawRequest(server, 'GET', `/ping?x=${long}`);
  t.is(uri.status, 414);
  t.is(uri.body.toString(), 'Request URI is longer than the limit of 4096 bytes');
  const headers = await rawRequest(server, 'GET', '/ping', { headers: { 'x-padding': long } });
  t.is(headers.status, 431);
  t.is(headers.body.toString(), 'Request headers are larger than the limit of 4096 bytes');
  t.is((await rawRequest(server, 'GET', `/ping?x=${'a'.repeat(3_000)}`)).status, 200, 'a 3 KB URL is served');

  const huge = await sendHead(server.port, `GET /ping?x=${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.is(huge, '', 'uWS closes the connection on a 1 MB URL without an answer');
  t.is((await rawRequest(server, 'GET', '/ping')).status, 200, 'and the server keeps serving');
});
