/**
 * Reader for the chunked query framing of InfluxDB 0.8 (http-api.md §5.3): bare JSON objects
 * concatenated with no separator, possibly followed by raw error text when a query fails
 * after output has started. The splitter works on bytes and only tracks nesting depth and
 * string state, so an object split across network chunks (even inside a multi-byte UTF-8
 * character) is reassembled before it is decoded.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Raised when the stream does not end cleanly after its last complete object. */
export class JsonStreamError extends Error {
  constructor(
    message: string,
    /** Whatever followed the last complete object (the server's error text, usually). */
    readonly trailingText: string,
  ) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

export class JsonObjectSplitter {
  private readonly pieces: Uint8Array[] = [];
  private readonly trailing: Uint8Array[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  /**
   * Arrays opened two levels inside a top-level object, i.e. the rows of its `points`
   * (the `columns` array holds strings, so it never contributes). Counting these lets a
   * benchmark count points without decoding any JSON.
   */
  rows = 0;
  objects = 0;
  bytes = 0;

  /** Feed the next chunk; returns the raw bytes of every object completed by it. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.bytes += chunk.length;
    if (this.trailing.length > 0) {
      this.trailing.push(chunk);
      return [];
    }
    const completed: Uint8Array[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (byte === OPEN_BRACE) {
          this.depth = 1;
          start = i;
        } else if (!isJsonWhitespace(byte)) {
          this.trailing.push(chunk.subarray(i));
          return completed;
        }
        continue;
      }
      if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (byte === OPEN_BRACKET && this.depth === 2) this.rows++;
        this.depth++;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          completed.push(this.take(chunk.subarray(start, i + 1)));
          this.objects++;
          start = -1;
        }
      }
    }
    if (this.depth > 0) this.pieces.push(chunk.subarray(start));
    return completed;
  }

  /** Call at end of stream; throws if it ended inside an object or with trailing text. */
  finish(): void {
    if (this.trailing.length > 0) {
      const text = Buffer.concat(this.trailing).toString('utf8');
      throw new JsonStreamError(`stream has non-JSON text after ${this.objects} object(s): ${text}`, text);
    }
    if (this.depth > 0) {
      const text = Buffer.concat(this.pieces).toString('utf8');
      throw new JsonStreamError(`stream ended inside a JSON object after ${this.objects} object(s)`, text);
    }
  }

  private take(last: Uint8Array): Uint8Array {
    if (this.pieces.length === 0) return last;
    this.pieces.push(last);
    const whole = Buffer.concat(this.pieces);
    this.pieces.length = 0;
    return whole;
  }
}

function decode(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

/** Yields each top-level JSON object of the stream as soon as its last byte has arrived. */
export async function* parseJsonStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown, void, undefined> {
  const splitter = new JsonObjectSplitter();
  for await (const chunk of body) {
    for (const object of splitter.push(chunk)) yield decode(object);
  }
  splitter.finish();
}

/** Parses a complete chunked body held in memory. */
export function parseJsonConcatenation(text: string): unknown[] {
  const splitter = new JsonObjectSplitter();
  const objects = splitter.push(Buffer.from(text, 'utf8')).map(decode);
  splitter.finish();
  return objects;
}

export interface StreamCount {
  readonly objects: number;
  readonly rows: number;
  readonly bytes: number;
}

/** Counts objects and point rows of a chunked body without decoding it. */
export async function countJsonStream(body: AsyncIterable<Uint8Array>): Promise<StreamCount> {
  const splitter = new JsonObjectSplitter();
  for await (const chunk of body) splitter.push(chunk);
  splitter.finish();
  return { objects: splitter.objects, rows: splitter.rows, bytes: splitter.bytes };
}
