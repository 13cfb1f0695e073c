/**
 * Finds the JSON objects of a byte stream without parsing them: the elements of a top-level
 * array (a 0.8 series file) or objects concatenated without separators (a chunked query
 * answer). Each object comes out as its exact bytes — numbers keep every digit — with the
 * file offset just past it, which is where an interrupted import resumes. Only nesting depth
 * and string state are tracked, so an object may span any number of chunks.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
/** Keys longer than this are not `points`; no need to remember more of them. */
const KEY_CHARS = 8;

export interface JsonObject {
  readonly bytes: Buffer;
  /** Byte offset in the stream just past the object's closing brace. */
  readonly end: number;
  /** Elements of the object's `points` array: the points of a series object. */
  readonly points: number;
}

export class JsonStreamError extends Error {}

export type Framing =
  /** `[ {…}, {…} ]`; `insideArray` when the stream starts after the `[` (a resumed import). */
  | { readonly kind: 'array'; readonly insideArray: boolean }
  /** `{…}{…}…`, possibly followed by text that is not JSON (0.8's error after output started). */
  | { readonly kind: 'concatenated' };

export class JsonObjectSplitter {
  private offset: number;
  /** 0 between objects; 1 inside an object's own braces; deeper inside its values. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private arrayOpen: boolean;
  private arrayClosed = false;
  /** In an array, an object was the last thing seen: a comma or `]` must come next. */
  private afterObject: boolean;
  private parts: Buffer[] = [];
  private key = '';
  private inPoints = false;
  private points = 0;
  private trailing: Buffer[] = [];

  constructor(
    private readonly framing: Framing,
    /** The stream's offset in its file: where reading started. */
    startOffset = 0,
  ) {
    this.offset = startOffset;
    this.arrayOpen = framing.kind === 'array' && framing.insideArray;
    // A resumed stream starts right after an object it already sent.
    this.afterObject = this.arrayOpen;
  }

  push(chunk: Buffer): JsonObject[] {
    const found: JsonObject[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.trailing.length > 0 || (this.depth === 0 && this.framing.kind === 'concatenated' && c !== OPEN_BRACE && !isWhitespace(c))) {
        this.trailing.push(chunk.subarray(i));
        break;
      }
      if (this.depth === 0) {
        if (c === OPEN_BRACE && this.acceptsObject(i)) {
          start = i;
          this.depth = 1;
          this.points = 0;
          this.inPoints = false;
        } else {
          this.between(c, i);
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        else if (this.depth === 1 && this.key.length < KEY_CHARS) this.key += String.fromCharCode(c);
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1) this.key = '';
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++;
        if (this.depth === 2) this.inPoints = c === OPEN_BRACKET && this.key === 'points';
        else if (this.depth === 3 && this.inPoints) this.points++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.parts.push(chunk.subarray(start, i + 1));
          found.push({ bytes: Buffer.concat(this.parts), end: this.offset + i + 1, points: this.points });
          this.parts = [];
          this.afterObject = true;
        }
      }
    }
    if (this.depth > 0) this.parts.push(chunk.subarray(Math.max(start, 0)));
    this.offset += chunk.length;
    return found;
  }

  /** What followed the last object when it was not JSON: a chunked answer's error text. */
  trailingText(): string {
    return Buffer.concat(this.trailing).toString('utf8').trim();
  }

  /** The stream ended: complain if it ended inside an object or an unclosed array. */
  finish(): void {
    if (this.depth > 0) throw new JsonStreamError(`the JSON ends inside an object (at byte ${this.offset})`);
    if (this.framing.kind === 'array' && !this.arrayClosed) {
      throw new JsonStreamError(`the JSON array is not closed with ] (at byte ${this.offset})`);
    }
  }

  private acceptsObject(i: number): boolean {
    if (this.framing.kind === 'concatenated') return true;
    if (!this.arrayOpen || this.arrayClosed || this.afterObject) throw this.unexpected(OPEN_BRACE, i);
    return true;
  }

  /** A byte between objects: the array's brackets, commas and whitespace are all that may be there. */
  private between(c: number, i: number): void {
    if (isWhitespace(c)) return;
    if (this.framing.kind === 'array') {
      if (c === OPEN_BRACKET && !this.arrayOpen) {
        this.arrayOpen = true;
        return;
      }
      if (this.arrayOpen && !this.arrayClosed && c === COMMA && this.afterObject) {
        this.afterObject = false;
        return;
      }
      if (this.arrayOpen && !this.arrayClosed && c === CLOSE_BRACKET) {
        this.arrayClosed = true;
        return;
      }
    }
    throw this.unexpected(c, i);
  }

  private unexpected(c: number, i: number): JsonStreamError {
    const expected = !this.arrayOpen ? 'a JSON array [' : this.afterObject ? 'a comma or ]' : 'a series object {…}';
    return new JsonStreamError(`unexpected ${JSON.stringify(String.fromCharCode(c))} at byte ${this.offset + i}: expected ${expected}`);
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
