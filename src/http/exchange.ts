import { promisify } from 'node:util';
import { deflate, deflateSync, gzip, gzipSync } from 'node:zlib';
import { ANSWER_COMPRESSION_LEVEL, deflatePieceOffLoop, DeflatedStream, isDeflatedPiece, type DeflatedPiece, type PieceEncoding } from '../util/deflate-piece.js';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { AnswerStream } from '../coordinator/answer-stream.js';
import { CORK_SAFE_BYTES } from './cork-buffer.js';
import { diskRefusal, HttpError } from '../errors.js';
import { DiskWriteError } from '../util/checked-write.js';
import { ByteBudget, ByteClaim } from '../util/byte-budget.js';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  414: 'URI Too Long', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable', 507: 'Insufficient Storage',
};

export const SERVER_VERSION = '0.8.8';

/** Headers 0.8 put on every response of a registered route, errors included. */
const COMMON_HEADERS: [string, string][] = [
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Max-Age', '2592000'],
  ['Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE'],
  ['Access-Control-Allow-Headers', 'Origin, X-Requested-With, Content-Type, Accept'],
  ['X-Influxdb-Version', `InfluxDB v${SERVER_VERSION} (git: sluice) (leveldb: 1.15)`],
];

type Encoding = 'gzip' | 'deflate' | undefined;

/**
 * Bodies up to this size are compressed inline: the work is bounded, and small answers (pings,
 * errors) do not wait behind a libuv thread pool kept busy by big responses or password hashing.
 */
const INLINE_COMPRESSION_BYTES = 16 * 1024;
/** Text bodies up to this size go to uWS as they are; larger ones are sent as bytes, kept and counted until taken (endBody). */
const SMALL_STRING_BODY = 64 * 1024;
const gzipOffLoop = promisify(gzip);
const deflateOffLoop = promisify(deflate);

/** A body this exchange keeps past the call that gave it: bytes are copied, since their owner may reuse them. */
function ownCopy(body: string | Uint8Array): string | Uint8Array {
  return typeof body === 'string' ? body : body.slice();
}

/** Whole answers are compressed at the same level as streamed ones (deflate-piece.ts says why). */
const RESPONSE_COMPRESSION = { level: ANSWER_COMPRESSION_LEVEL } as const;

/**
 * One request and its response. uWS's request object dies when the handler returns, so
 * everything needed later is copied here first; the response is written corked, and never
 * after the client went away.
 */
/**
 * A streamed response's state. uWS buffers what the socket does not take and reports it only
 * as a failed write; it signals room again with a writable event, but may also drain its
 * buffer without one. `waiter` writes the piece waiting for room; `probed` is set once a piece
 * was written on a timer to find out whether the buffer drained silently.
 */
interface StreamState {
  /** The answer's compressed framing, when the client asked for one. */
  deflated?: DeflatedStream;
  /** The last piece framed so far: pieces compressed apart are framed and sent in call order. */
  framed: Promise<unknown>;
  readonly encoding: Encoding;
  /** Status and headers wait for the first bytes, to leave in the same write as they do. */
  headWritten: boolean;
  /** Called at uWS's writable event, or with true when the client went away. */
  waiter?: (aborted: boolean) => void;
  probed: boolean;
  /** Set while the last write left bytes in uWS's buffer: the next piece waits for room (writeAtRoom). */
  backpressured: boolean;
  /** Set when uWS's writable event came with no piece waiting for it, since the last write. */
  roomSeen: boolean;
}

/** How long a stalled stream waits for uWS's writable event before trying one more write. */
const SILENT_DRAIN_PROBE_MS = 20;

export class Exchange implements AnswerStream {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Map<string, string>;
  /** The query string as sent (`query` is its parsed form). */
  readonly rawQuery: string;
  /** The client's address, for slowing down its failed logins. */
  readonly client: string;
  params: Record<string, string> = {};
  /**
   * Asked before each piece of a streamed answer and before a whole answer is sent: false
   * (the account was deleted or changed meanwhile) closes the connection instead.
   */
  guard: (() => boolean) | undefined;
  aborted = false;
  /** The Content-Type a streamed answer is sent with. */
  streamContentType = 'application/json';
  /**
   * How errors are written: 0.8's routes answer the message as plain text; InfluxDB 1.x's
   * `/write` answers `{"error": message}` with the message also in `X-Influxdb-Error`, which
   * Telegraf and the 1.x clients read.
   */
  errorStyle: 'text' | 'influx1' = 'text';
  private finished = false;
  private streaming: StreamState | undefined;
  private readonly abortListeners: (() => void)[] = [];
  private compressing: Promise<void> = Promise.resolve();

  /**
   * `keptBodies`: the budget whole bodies kept past the call that sent them are counted in (the
   * server's budget for whole answers): a body being compressed, and what the socket did not take yet.
   */
  constructor(
    readonly res: HttpResponse,
    req: HttpRequest,
    private readonly keptBodies: ByteBudget = new ByteBudget(Number.POSITIVE_INFINITY),
  ) {
    this.method = req.getCaseSensitiveMethod().toUpperCase();
    this.path = req.getUrl();
    this.rawQuery = req.getQuery() ?? '';
    this.client = Buffer.from(res.getRemoteAddressAsText()).toString();
    this.query = new URLSearchParams(this.rawQuery);
    this.headers = new Map();
    req.forEach((key, value) => this.headers.set(key, value));
    res.onAborted(() => {
      this.aborted = true;
      for (const listener of this.abortListeners.splice(0)) listener();
    });
  }

  /** Settles once a sent response is handed to uWS: a big body is still being compressed until then. */
  get sent(): Promise<void> {
    return this.compressing;
  }

  get done(): boolean {
    return this.aborted || this.finished;
  }

  get pretty(): boolean {
    return this.query.get('pretty') === 'true';
  }

  onAbort(listener: () => void): void {
    if (this.aborted) listener();
    else this.abortListeners.push(listener);
  }

  /** 0.8 compressed GET responses only, choosing the first of gzip/deflate the client lists. */
  private responseEncoding(): Encoding {
    if (this.method !== 'GET') return undefined;
    const accepted = this.headers.get('accept-encoding');
    if (!accepted) return undefined;
    for (const piece of accepted.split(',')) {
      const name = piece.trim().split(';')[0];
      if (name === 'gzip' || name === 'deflate') return name;
    }
    return undefined;
  }

  json(status: number, value: unknown): void {
    const body = this.pretty ? JSON.stringify(value, null, 4) : JSON.stringify(value);
    this.send(status, body, 'application/json');
  }

  /** A JSON body already encoded by a worker; `claim` counts it (AnswerStream.rawJson). */
  rawJson(status: number, body: Uint8Array | string, claim?: ByteClaim): void {
    this.send(status, body, 'application/json', {}, claim);
  }

  text(status: number, body: string): void {
    this.send(status, body, 'text/plain');
  }

  empty(status: number): void {
    this.send(status, '', undefined);
  }

  error(err: unknown): void {
    if (err instanceof DiskWriteError) err = diskRefusal(err);
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof Error ? err.message : String(err);
    const headers = err instanceof HttpError ? err.headers : {};
    if (this.errorStyle === 'influx1') {
      // A header value cannot hold a line break or any other control byte (a bad line quoted in
      // the message may carry them): clients then reject the whole answer. The JSON body keeps it whole.
      const header = message.replace(/[\x00-\x1f\x7f]+/g, ' ');
      this.send(status, JSON.stringify({ error: message }), 'application/json', { ...headers, 'X-Influxdb-Error': header });
    } else {
      this.send(status, message, 'text/plain', headers);
    }
  }

  /**
   * A whole response. `claim`, when given, counts the body in the server's budget for whole
   * answers; it is held for what this exchange keeps of the body past the call, and released
   * once the body is sent or the client is gone.
   */
  send(status: number, body: string | Uint8Array, contentType: string | undefined, extraHeaders: Record<string, string> = {}, claim?: ByteClaim): void {
    if (this.done || this.revoked()) return claim?.release();
    if (this.streamed) {
      claim?.release();
      return this.failStream(status, body);
    }
    this.finished = true;
    const encoding = body.length > 0 ? this.responseEncoding() : undefined;
    if (encoding === undefined) return this.respond(status, body, false, contentType, encoding, extraHeaders, claim);
    if (body.length <= INLINE_COMPRESSION_BYTES) {
      claim?.release();
      return this.respond(status, encoding === 'gzip' ? gzipSync(body, RESPONSE_COMPRESSION) : deflateSync(body, RESPONSE_COMPRESSION), true, contentType, encoding, extraHeaders);
    }
    // On libuv's thread pool, so the event loop keeps serving; same zlib settings, same bytes.
    // zlib reads the body after this returns, and a caller may reuse its buffer then (rawJson).
    const kept = ownCopy(body);
    const holding = this.keeping(claim, typeof kept === 'string' ? Buffer.byteLength(kept) : kept.length);
    this.compressing = (encoding === 'gzip' ? gzipOffLoop(kept, RESPONSE_COMPRESSION) : deflateOffLoop(kept, RESPONSE_COMPRESSION)).then(
      (payload) => this.respond(status, payload, true, contentType, encoding, extraHeaders, holding),
      (err: Error) => {
        holding.release();
        this.respond(500, err.message, false, 'text/plain', undefined, {});
      },
    );
  }

  /** `owned`: the payload is this exchange's own, not a buffer its caller may reuse once the call returns. */
  private respond(
    status: number,
    payload: string | Uint8Array,
    owned: boolean,
    contentType: string | undefined,
    encoding: Encoding,
    extraHeaders: Record<string, string>,
    claim?: ByteClaim,
  ): void {
    // uWS frees the response when the client goes away; touching it after onAborted crashes.
    if (this.aborted) return claim?.release();
    this.res.cork(() => {
      this.writeHead(status, contentType, encoding);
      for (const [key, value] of Object.entries(extraHeaders)) this.res.writeHeader(key, value);
      // Given a length, this uWS's endWithoutBody leaves the response open and the connection's
      // next request unanswered; without one it ends it, so the length is written as a header.
      if (this.method === 'HEAD') {
        claim?.release();
        this.res.writeHeader('Content-Length', String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length)).endWithoutBody();
      } else this.endBody(payload, owned, claim);
    });
  }

  /**
   * Inside a cork: the body, as much as the socket takes now. The rest is kept here, counted in
   * the budget, and written as the client reads; `res.end` would leave it in uWS's own buffer,
   * where nothing counts it, and 40 clients slow to read a 38 MB answer held 1.5 GB there.
   */
  private endBody(payload: string | Uint8Array, owned: boolean, claim: ByteClaim | undefined): void {
    if (typeof payload === 'string' && payload.length <= SMALL_STRING_BODY) {
      claim?.release();
      this.res.end(payload);
      return;
    }
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const total = body.length;
    const [, done] = this.res.tryEnd(body, total);
    if (done) return claim?.release();
    const sent = this.res.getWriteOffset();
    // A buffer the caller lends is copied, as uWS would copy it into its own.
    const rest = owned || body !== payload ? body.subarray(sent) : body.slice(sent);
    const holding = this.keeping(claim, rest.length);
    this.onAbort(() => holding.release());
    this.res.onWritable((offset) => {
      const [ok, ended] = this.res.tryEnd(rest.subarray(offset - sent), total);
      if (ended) holding.release();
      return ok;
    });
  }

  /** `claim`, or a claim of this exchange's own, counting the `bytes` of a body it keeps past the call that gave it. */
  private keeping(claim: ByteClaim | undefined, bytes: number): ByteClaim {
    const holding = claim ?? new ByteClaim(this.keptBodies);
    holding.resize(bytes);
    return holding;
  }

  /** True once a streamed answer's status and first bytes went out. */
  get streamed(): boolean {
    return this.streaming?.headWritten === true;
  }

  /**
   * A whole response asked for after a streamed answer began. Written now, its status line and
   * headers would land inside the chunked body, which clients refuse as broken framing, and on
   * a kept-alive connection nothing after it could be read. An error's text is appended and
   * the answer ended, as the coordinator does with a failure mid-answer (0.8 appended the
   * error text); anything else closes the connection, so the answer is seen cut.
   */
  private failStream(status: number, body: string | Uint8Array): void {
    if (status < 400) return this.abortStream();
    this.compressing = this.writeChunk(ownCopy(body))
      .then(() => this.endStream())
      .catch(() => this.abortStream());
  }

  /** True, having closed the connection, when the guard no longer lets the answer through. */
  private revoked(): boolean {
    if (this.guard === undefined || this.guard()) return false;
    this.closeConnection();
    return true;
  }

  /**
   * Ends a streamed answer that failed midway by closing the connection: the chunked body then
   * lacks its terminator, so the client sees the answer was cut rather than complete.
   */
  abortStream(): void {
    if (!this.done) this.closeConnection();
  }

  private closeConnection(): void {
    this.aborted = true;
    for (const listener of this.abortListeners.splice(0)) listener();
    this.res.close();
  }

  /** Router-level answers (404, 405) carry no CORS or version headers. */
  bare(status: number, body: string, headers: Record<string, string> = {}): void {
    if (this.done) return;
    this.finished = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
      this.res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
      for (const [key, value] of Object.entries(headers)) this.res.writeHeader(key, value);
      this.res.end(body);
    });
  }


  private writeHead(status: number, contentType: string | undefined, encoding: Encoding): void {
    this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
    for (const [key, value] of COMMON_HEADERS) this.res.writeHeader(key, value);
    if (contentType) this.res.writeHeader('Content-Type', contentType);
    if (encoding) this.res.writeHeader('Content-Encoding', encoding);
  }

  /**
   * Streamed response: status and headers go out with the first piece, in the same write;
   * each piece is sent at once, compressed on its own when the client asked for compression.
   * A piece that finds bytes held back waits for room first, so producers pull only as fast as
   * the client reads: uWS holds at most one piece back.
   */
  async writeChunk(piece: Uint8Array | string | DeflatedPiece): Promise<void> {
    if (this.done || this.revoked()) return;
    const streaming = this.startStream();
    let bytes: Uint8Array | string;
    if (streaming.deflated !== undefined) bytes = await framedPiece(streaming, streaming.deflated, piece);
    else if (isDeflatedPiece(piece)) throw new Error('a compressed piece for an answer sent uncompressed');
    else bytes = piece;
    if (this.done || bytes.length === 0) return;
    let whole: boolean;
    if (!streaming.backpressured) whole = this.writePiece(streaming, bytes);
    // The event came before this piece, so uWS may or may not have drained its buffer since.
    else if (streaming.roomSeen) whole = this.writeCorkedSlices(bytes);
    else whole = await this.writeAtRoom(streaming, bytes);
    streaming.backpressured = !whole;
    streaming.roomSeen = false;
    if (whole) streaming.probed = false;
  }

  /**
   * One piece of a streamed answer while uWS holds nothing back; false when it kept some of it
   * (backpressure). It goes corked (with the status and headers, for the first), so that
   * framing and data leave in one system call.
   */
  private writePiece(streaming: StreamState, bytes: Uint8Array | string): boolean {
    let ok = true;
    this.res.cork(() => {
      this.writeStreamHead(streaming);
      ok = this.res.write(bytes);
    });
    return ok;
  }

  /** How pieces of a streamed answer should come: compressed apart for this encoding, or as they are. */
  pieceEncoding(): PieceEncoding | undefined {
    return this.responseEncoding();
  }

  /**
   * Ends a streamed response with its last piece. Uncompressed, the piece, the chunked body's
   * end (and the head, for an answer of one piece) leave in one write: each write here is a
   * system call and, with Nagle off, a packet, and a small chunked answer took three.
   */
  async endStreamWith(piece: Uint8Array | string | DeflatedPiece): Promise<void> {
    if (this.done || this.revoked()) return;
    if (!isDeflatedPiece(piece) && !this.streaming && piece.length === 0) return this.endStream();
    const streaming = this.startStream();
    if (streaming.deflated !== undefined || isDeflatedPiece(piece) || streaming.backpressured) {
      await this.writeChunk(piece);
      return this.endStream();
    }
    this.finished = true;
    this.res.cork(() => {
      this.writeStreamHead(streaming);
      // After a write, uWS ends the chunked body; a piece it could not send yet stays in its
      // buffer and goes out before the end.
      if (piece.length > 0) this.res.write(piece);
      this.res.end();
    });
  }

  /** Ends a streamed response (or sends an empty 200 if nothing was streamed). */
  async endStream(): Promise<void> {
    if (this.done) return;
    const streaming = this.streaming;
    if (!streaming) {
      this.send(200, '', 'application/json');
      return;
    }
    const deflated = streaming.deflated;
    let tail: Uint8Array | undefined;
    if (deflated) {
      const ending = streaming.framed.then(() => deflated.end());
      streaming.framed = ending;
      tail = await ending;
    }
    if (this.done) return;
    this.finished = true;
    this.res.cork(() => {
      this.writeStreamHead(streaming);
      this.res.end(tail);
    });
  }

  /** The stream's state, set up at its first piece. */
  private startStream(): StreamState {
    if (this.streaming) return this.streaming;
    const encoding = this.responseEncoding();
    const streaming: StreamState = { encoding, headWritten: false, probed: false, backpressured: false, roomSeen: false, framed: Promise.resolve() };
    if (encoding) streaming.deflated = new DeflatedStream(encoding);
    this.streaming = streaming;
    this.res.onWritable(() => {
      if (streaming.waiter) streaming.waiter(false);
      else streaming.roomSeen = true;
      return true;
    });
    this.onAbort(() => streaming.waiter?.(true));
    return streaming;
  }

  /** Inside a cork: the status and headers, before the stream's first bytes. */
  private writeStreamHead(streaming: StreamState): void {
    if (streaming.headWritten) return;
    streaming.headWritten = true;
    this.writeHead(200, this.streamContentType, streaming.encoding);
  }

  /**
   * Writes a piece after a write that left bytes in uWS's buffer, when the writable event has
   * not come since; resolves with whether uWS took it whole. The piece goes at the event,
   * written from inside it: uWS runs that callback with the socket uncorked, so the piece goes
   * whole with nothing corked before it (cork-buffer.ts says why a large corked write must not
   * meet bytes held back), and without the warning this uWS build prints on stderr for every
   * write outside a cork or a callback of its own. uWS can also drain its buffer without the
   * event; so, once per stall, the piece goes after a short wait instead, in corked slices that
   * fit the cork buffer. If it fails too, only the event (or the client going away) writes the
   * next: a reader that stops costs at most two pieces here.
   */
  private writeAtRoom(streaming: StreamState, bytes: Uint8Array | string): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.aborted) return resolve(true);
      const timer = streaming.probed
        ? undefined
        : setTimeout(() => {
            streaming.waiter = undefined;
            streaming.probed = true;
            resolve(this.done || this.writeCorkedSlices(bytes));
          }, SILENT_DRAIN_PROBE_MS);
      streaming.waiter = (aborted) => {
        clearTimeout(timer);
        streaming.waiter = undefined;
        streaming.probed = false;
        resolve(aborted || this.done || this.res.write(bytes));
      };
    });
  }

  /** `bytes` as chunks that each fit the cork buffer, each written in a cork of its own; false when uWS held some back. */
  private writeCorkedSlices(bytes: Uint8Array | string): boolean {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    let ok = true;
    for (let at = 0; at < data.length; at += CORK_SAFE_BYTES) {
      const slice = data.subarray(at, Math.min(data.length, at + CORK_SAFE_BYTES));
      this.res.cork(() => {
        ok = this.res.write(slice) && ok;
      });
    }
    return ok;
  }
}

/**
 * A piece of a compressed answer as it goes to the socket. Pieces are framed in call order,
 * whoever compressed them: a shard thread before it sent the piece, or libuv's pool here.
 */
function framedPiece(streaming: StreamState, deflated: DeflatedStream, piece: Uint8Array | string | DeflatedPiece): Promise<Uint8Array> {
  if (!isDeflatedPiece(piece) && piece.length === 0) return Promise.resolve(EMPTY);
  const compressing = isDeflatedPiece(piece) ? piece : deflatePieceOffLoop(typeof piece === 'string' ? Buffer.from(piece) : piece, deflated.encoding);
  const framed = streaming.framed.then(() => compressing).then((ready) => deflated.next(ready));
  streaming.framed = framed.catch(() => undefined);
  return framed;
}

const EMPTY = new Uint8Array(0);

