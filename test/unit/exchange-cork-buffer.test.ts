/**
 * A chunked answer to a slow reader must keep its framing whole. The uWS build we depend on
 * loses a chunk's data when a corked write is larger than its cork buffer and the socket
 * cannot take the chunk's framing at that moment (AsyncSocket::uncork returns before writing
 * the data; uNetworking/uWebSockets.js#1249): the client then reads the next framing where
 * data should be ("Invalid character in chunk size"). Once a write has met backpressure,
 * Exchange writes the next piece from inside uWS's writable event, where nothing is corked and
 * uWS keeps the framing and the data alike, or, when uWS drained its buffer without the event,
 * in corked slices that fit the cork buffer (src/http/cork-buffer.ts). It never writes outside
 * both a cork and uWS's callbacks, where this uWS build prints a warning on stderr each time.
 *
 * The race needs a socket that is full to the byte at the wrong moment, which no real
 * connection produces on demand, so Exchange is driven through a model of uWS's response:
 * AsyncSocket's cork buffer, backpressure buffer and uncork as that code does them, over a
 * socket that takes a set number of bytes each time the reader reads.
 */
import test, { type ExecutionContext } from 'ava';
import type { HttpResponse } from 'uWebSockets.js';
import { CORK_BUFFER_BYTES, CORK_SAFE_BYTES } from '../../src/http/cork-buffer.js';
import { Exchange } from '../../src/http/exchange.js';
import { chunkedQueryRequest } from '../helpers/chunked-request.js';

/** uWS's write path for one connection (AsyncSocket.h, HttpResponse.h), over a socket with room for `room` bytes. */
class ModelSocket {
  readonly wire: Buffer[] = [];
  room = 0;
  corked = false;
  private cork: Buffer[] = [];
  private corkBytes = 0;
  private backlog: Buffer = Buffer.alloc(0);
  private headWritten = false;
  writable?: () => boolean;
  /** Set while uWS runs the writable handler (uWS.js counts it as a callback of its own, like a cork). */
  inEvent = false;

  private socketWrite(data: Buffer): number {
    const n = Math.min(this.room, data.length);
    this.room -= n;
    if (n > 0) this.wire.push(Buffer.from(data.subarray(0, n)));
    return n;
  }

  /** AsyncSocket::write: returns whether it had to keep bytes back (failed). */
  private write(src: Buffer): boolean {
    if (this.backlog.length > 0) {
      const written = this.socketWrite(this.backlog);
      if (written < this.backlog.length) {
        this.backlog = Buffer.concat([this.backlog.subarray(written), src]);
        return true;
      }
      this.backlog = Buffer.alloc(0);
    }
    if (src.length === 0) return false;
    if (this.corked) {
      if (CORK_BUFFER_BYTES - this.corkBytes >= src.length) {
        this.cork.push(Buffer.from(src));
        this.corkBytes += src.length;
        return false;
      }
      return this.uncork(src);
    }
    const written = this.socketWrite(src);
    if (written < src.length) {
      this.backlog = Buffer.concat([this.backlog, src.subarray(written)]);
      return true;
    }
    return false;
  }

  /** AsyncSocket::uncork, with its early return when the cork buffer could not all be sent. */
  private uncork(src: Buffer = Buffer.alloc(0)): boolean {
    if (!this.corked) return false;
    this.corked = false;
    if (this.corkBytes > 0) {
      const corked = Buffer.concat(this.cork);
      this.cork = [];
      this.corkBytes = 0;
      if (this.write(corked)) return true;
    }
    return this.write(src);
  }

  /** The reader takes `bytes` more; uWS then calls the writable handler, and drains what it still holds. */
  read(bytes: number): void {
    this.room += bytes;
    if (this.writable) {
      this.inEvent = true;
      try {
        this.writable();
      } finally {
        this.inEvent = false;
      }
    }
    this.write(Buffer.alloc(0));
  }

  /** The reader takes `bytes` more, and uWS drains what it holds without calling the writable handler. */
  readSilently(bytes: number): void {
    this.room += bytes;
    this.write(Buffer.alloc(0));
  }

  /** The reader takes exactly what uWS holds back: once that is sent, the socket is full to the byte. */
  readHeldBack(): void {
    this.read(this.backlog.length);
  }

  asResponse(): HttpResponse {
    const text = (data: unknown): Buffer => (typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array));
    const head = (): void => {
      if (this.headWritten) return;
      this.headWritten = true;
      this.write(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    };
    const res = {
      cork: (work: () => void) => {
        if (this.corked) work();
        else {
          this.corked = true;
          work();
          this.uncork();
        }
        return res;
      },
      writeStatus: () => res,
      writeHeader: () => res,
      write: (data: unknown) => {
        const bytes = text(data);
        head();
        if (bytes.length === 0) return true;
        this.write(Buffer.from(`${bytes.length.toString(16)}\r\n`));
        const failed = this.write(bytes);
        this.write(Buffer.from('\r\n'));
        return !failed;
      },
      end: (data?: unknown) => {
        head();
        const bytes = data === undefined ? Buffer.alloc(0) : text(data);
        if (bytes.length > 0) this.write(Buffer.from(`${bytes.length.toString(16)}\r\n${bytes.toString('latin1')}\r\n`, 'latin1'));
        this.write(Buffer.from('0\r\n\r\n'));
        // An ended response has no writable handler: uWS drains what it holds itself.
        this.writable = undefined;
        return res;
      },
      close: () => res,
      onWritable: (handler: () => boolean) => ((this.writable = handler), res),
      onAborted: () => res,
      getRemoteAddressAsText: () => Buffer.from('127.0.0.1'),
    };
    return res as unknown as HttpResponse;
  }
}

/** The chunks of a chunked body, or where its framing broke. */
function dechunk(wire: Buffer): { chunks: Buffer[]; broken?: string } {
  let at = wire.indexOf('\r\n\r\n') + 4;
  const chunks: Buffer[] = [];
  for (;;) {
    const eol = wire.indexOf('\r\n', at);
    const size = wire.subarray(at, eol).toString('latin1');
    if (!/^[0-9a-f]+$/.test(size)) return { chunks, broken: `chunk size ${JSON.stringify(size.slice(0, 20))} at byte ${at}` };
    const length = parseInt(size, 16);
    if (length === 0) return { chunks };
    chunks.push(wire.subarray(eol + 2, eol + 2 + length));
    at = eol + 2 + length + 2;
  }
}

/** A `res.write` as the model saw it: its length, and whether it was made corked or inside the writable event. */
interface Write {
  readonly length: number;
  readonly corked: boolean;
  readonly inEvent: boolean;
}

/**
 * Streams `pieces` through Exchange over `socket`, as the coordinator does (each piece once the
 * one before may go), while `readTurn` runs every millisecond and `pause` (if any) between
 * pieces; then the reader takes the rest. Returns what reached the wire and every `res.write`.
 */
async function streamThrough(
  socket: ModelSocket,
  pieces: readonly Buffer[],
  readTurn: () => void,
  pause?: () => Promise<void>,
): Promise<{ wire: Buffer; writes: Write[] }> {
  const writes: Write[] = [];
  const res = socket.asResponse();
  const write = res.write.bind(res);
  (res as unknown as { write: (data: Uint8Array) => boolean }).write = (data: Uint8Array) => {
    writes.push({ length: data.length, corked: socket.corked, inEvent: socket.inEvent });
    return write(data);
  };
  const exchange = new Exchange(res, chunkedQueryRequest());
  const reader = setInterval(readTurn, 1);
  try {
    for (const piece of pieces) {
      await exchange.writeChunk(piece);
      await pause?.();
    }
    await exchange.endStream();
    socket.readSilently(1 << 30);
  } finally {
    clearInterval(reader);
  }
  return { wire: Buffer.concat(socket.wire), writes };
}

const pieceOf = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => 97 + ((i * 7 + seed) % 26)));

/** The wire holds `pieces` as a chunked body, whole and in order. */
function assertWhole(t: ExecutionContext, wire: Buffer, pieces: readonly Buffer[]): void {
  const { chunks, broken } = dechunk(wire);
  t.is(broken, undefined);
  t.true(Buffer.concat(chunks).equals(Buffer.concat(pieces)));
}

test('pieces larger than the cork buffer reach a slow reader whole, in order, and framed', async (t) => {
  const pieces = Array.from({ length: 20 }, (_, k) => pieceOf(40_000 + 997 * k, k));
  const socket = new ModelSocket();
  socket.room = 10_000;
  // Each turn the reader takes exactly what uWS held back.
  const { wire } = await streamThrough(socket, pieces, () => socket.readHeldBack());
  assertWhole(t, wire, pieces);
});

test('after backpressure, each piece goes whole from inside the writable event, and nothing is written outside a cork or uWS callback', async (t) => {
  const pieces = Array.from({ length: 12 }, (_, k) => pieceOf(k % 3 === 0 ? 2_000 : 100_000, k));
  const socket = new ModelSocket();
  socket.room = 50_000;
  const { wire, writes } = await streamThrough(socket, pieces, () => socket.read(30_000));
  // Corked until the first backpressure (the second piece fills the socket), then at the writable event.
  t.deepEqual(writes.slice(0, 2), [
    { length: 2_000, corked: true, inEvent: false },
    { length: 100_000, corked: true, inEvent: false },
  ]);
  t.deepEqual(
    writes.map((w) => w.length),
    pieces.map((p) => p.length),
  );
  t.true(writes.slice(2).every((w) => w.inEvent && !w.corked));
  assertWhole(t, wire, pieces);
});

test('a piece waiting for room while uWS drains without the writable event goes in corked slices that fit the cork buffer', async (t) => {
  const pieces = [pieceOf(60_000, 1), pieceOf(70_000, 2), pieceOf(50_000, 3)];
  const socket = new ModelSocket();
  socket.room = 20_000;
  // This reader never brings the writable event: only the wait for a silent drain moves the answer on.
  const { wire, writes } = await streamThrough(socket, pieces, () => socket.readSilently(1 << 20));
  t.true(writes.every((w) => w.corked));
  // The first piece filled the socket; the second waited, then went in slices; uWS then held
  // nothing back, so the third went corked whole.
  const slices = writes.slice(1, -1);
  t.true(slices.length > 1 && slices.every((w) => w.length <= CORK_SAFE_BYTES));
  t.is(
    slices.reduce((sum, w) => sum + w.length, 0),
    pieces[1]!.length,
  );
  assertWhole(t, wire, pieces);
});

test('a piece that comes after the writable event it waited for goes in corked slices, and the answer stays whole', async (t) => {
  const pieces = Array.from({ length: 8 }, (_, k) => pieceOf(50_000 + 1_000 * k, k));
  const socket = new ModelSocket();
  socket.room = 30_000;
  // A producer slower than the reader: the writable event comes before the next piece.
  const { wire, writes } = await streamThrough(
    socket,
    pieces,
    () => socket.read(20_000),
    () => new Promise((resolve) => setTimeout(resolve, 8)),
  );
  t.true(writes.every((w) => w.corked || w.inEvent));
  t.true(writes.some((w) => w.corked && w.length <= CORK_SAFE_BYTES));
  assertWhole(t, wire, pieces);
});
