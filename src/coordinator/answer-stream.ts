import type { DeflatedPiece, PieceEncoding } from '../util/deflate-piece.js';
import type { ByteClaim } from '../util/byte-budget.js';

/**
 * Where the coordinator writes an answer: a whole JSON body, or a stream of pieces whose next
 * one is asked for only when the client has taken the last. The HTTP exchange is one; the
 * coordinator knows no more of HTTP than this.
 */
export interface AnswerStream {
  /** True once the client has gone or the answer was ended: producers stop. */
  readonly done: boolean;
  /** The Content-Type a streamed answer is sent with (JSON unless an encoder says otherwise). */
  streamContentType: string;
  /**
   * A whole answer, already encoded as JSON. Its bytes are read before this returns: the caller
   * may reuse them after. `claim`, when given, counts the body in the server's budget for whole
   * answers; the stream takes it over, and holds it for what it keeps of the body until sent.
   */
  rawJson(status: number, body: Uint8Array | string, claim?: ByteClaim): void;
  /**
   * The compression a streamed answer goes out with, if any: producers that can may then
   * compress their pieces apart themselves (util/deflate-piece.ts) and hand them over as such.
   */
  pieceEncoding(): PieceEncoding | undefined;
  /** One piece of a streamed answer; settles when the client can take the next. */
  writeChunk(piece: Uint8Array | string | DeflatedPiece): Promise<void>;
  /** The last piece of a streamed answer, and its end. */
  endStreamWith(piece: Uint8Array | string | DeflatedPiece): Promise<void>;
  /** Ends a streamed answer (an empty 200 when nothing was streamed). */
  endStream(): Promise<void>;
  /** Ends a streamed answer that failed midway so the client sees it cut, not complete. */
  abortStream(): void;
}
