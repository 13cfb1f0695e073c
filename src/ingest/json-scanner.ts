/**
 * Byte-level JSON primitives over a Uint8Array: strict RFC 8259 syntax, with the error texts
 * of Go's encoding/json (what InfluxDB 0.8 answered with), e.g.
 * `invalid character 'x' looking for beginning of value`.
 *
 * The scanner never builds a value tree. Callers read one token at a time and get its result
 * in fields (`num`/`numKind` for numbers, `strStart`/`strEnd`/`strFlags` for strings) so the
 * hot path allocates nothing.
 */

/** A syntax error; its message is the one Go's decoder gives for the same input. */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

export const NumberKind = {
  /** A float literal, or an integer literal outside int64. */
  Float: 0,
  /** An integer literal whose value is exact in a double (|v| < 2^53). */
  Int: 1,
  /** An integer literal inside int64 but not exact in a double; the value is in `numBig`. */
  BigInt: 2,
  /** A literal whose magnitude overflows a double (Go: `value out of range`). */
  OutOfRange: 3,
} as const;
export type NumberKind = (typeof NumberKind)[keyof typeof NumberKind];

/** `strFlags` bits. */
export const StringFlag = { Escaped: 1, NonAscii: 2 } as const;

const TWO_POW_53 = 9007199254740992;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Powers of ten that are exact doubles; mantissa (< 2^53) × or ÷ one of them rounds correctly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Per byte: 0 = plain string content, 1 = needs a look (quote, backslash, control, non-ASCII). */
const STRING_SPECIAL = new Uint8Array(256);
for (let c = 0; c < 256; c++) STRING_SPECIAL[c] = c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80 ? 1 : 0;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const ARRAY = 0;
const OBJECT = 1;

/** A byte as Go's `quoteChar` prints it in syntax errors. */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  const hex = (width: number) => c.toString(16).padStart(width, '0');
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${hex(2)}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${hex(4)}'`;
  return `'${String.fromCharCode(c)}'`;
}

export class JsonScanner {
  readonly buf: Uint8Array;
  readonly end: number;
  pos = 0;

  /** Result of `scanNumber`: the correctly rounded double, its kind, and int64 when BigInt. */
  num = 0;
  numKind: NumberKind = NumberKind.Float;
  numBig = 0n;
  /** Result of `scanString`: content bytes [strStart, strEnd) and `StringFlag` bits. */
  strStart = 0;
  strEnd = 0;
  strFlags = 0;

  private readonly text: Buffer;
  private containers = new Uint8Array(64);
  private unescaped = new Uint8Array(256);

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.end = buf.length;
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  }

  /** Throws the Go error for the byte at `pos` (or end of input) in the given context. */
  fail(context: string): never {
    if (this.pos >= this.end) throw new JsonSyntaxError('unexpected end of JSON input');
    throw new JsonSyntaxError(`invalid character ${quoteChar(this.buf[this.pos]!)} ${context}`);
  }

  skipWs(): void {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    while (p < end) {
      const c = buf[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** At `"`: validates the string and moves past its closing quote. */
  scanString(): void {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos + 1;
    const start = p;
    let flags = 0;
    for (;;) {
      while (p < end && STRING_SPECIAL[buf[p]!] === 0) p++;
      if (p >= end) {
        this.pos = p;
        this.fail('in string literal');
      }
      const c = buf[p]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        flags |= StringFlag.Escaped;
        p = this.scanEscape(p);
      } else if (c >= 0x80) {
        flags |= StringFlag.NonAscii;
        p++;
      } else {
        this.pos = p;
        this.fail('in string literal');
      }
    }
    this.strStart = start;
    this.strEnd = p;
    this.strFlags = flags;
    this.pos = p + 1;
  }

  private scanEscape(p: number): number {
    const buf = this.buf;
    const c = buf[p + 1];
    if (c === 0x75) {
      for (let i = p + 2; i < p + 6; i++) {
        if (i >= this.end || HEX[buf[i]!]! < 0) {
          this.pos = i;
          this.fail('in \\u hexadecimal character escape');
        }
      }
      return p + 6;
    }
    if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      return p + 2;
    }
    this.pos = p + 1;
    return this.fail('in string escape code');
  }

  /** At `-` or a digit: validates the number, moves past it and sets `num`/`numKind`. */
  scanNumber(): void {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let p = start;
    const negative = buf[p] === 0x2d;
    if (negative) p++;
    if (p >= end || (buf[p]! - 0x30) >>> 0 > 9) {
      this.pos = p;
      this.fail('in numeric literal');
    }
    // Digits are accumulated as they are scanned, in one pass: exact while below 2^53 (every
    // step is an integer), and once past it, never back below, so the check after holds.
    let mantissa = buf[p++]! - 0x30;
    let digit: number;
    // A leading zero stands alone; the byte after it is the next token's problem.
    if (mantissa !== 0) {
      while (p < end && (digit = (buf[p]! - 0x30) >>> 0) <= 9) {
        mantissa = mantissa * 10 + digit;
        p++;
      }
    }
    const integerEnd = p;
    let fractionEnd = p;
    if (p < end && buf[p] === 0x2e) {
      p++;
      while (p < end && (digit = (buf[p]! - 0x30) >>> 0) <= 9) {
        mantissa = mantissa * 10 + digit;
        p++;
      }
      if (p === integerEnd + 1) {
        this.pos = p;
        this.fail('after decimal point in numeric literal');
      }
      fractionEnd = p;
    }
    let exponent = 0;
    let exponential = false;
    if (p < end && (buf[p]! | 0x20) === 0x65) {
      exponential = true;
      p++;
      const sign = buf[p] === 0x2d ? -1 : 1;
      if (buf[p] === 0x2d || buf[p] === 0x2b) p++;
      const exponentStart = p;
      while (p < end && (digit = (buf[p]! - 0x30) >>> 0) <= 9) {
        if (exponent < 100000) exponent = exponent * 10 + digit;
        p++;
      }
      if (p === exponentStart) {
        this.pos = p;
        this.fail('in exponent of numeric literal');
      }
      exponent *= sign;
    }
    this.pos = p;

    const fractionDigits = fractionEnd - integerEnd === 0 ? 0 : fractionEnd - integerEnd - 1;
    const integral = fractionEnd === integerEnd && !exponential;
    if (mantissa < TWO_POW_53) {
      if (integral) {
        this.num = negative ? -mantissa : mantissa;
        this.numKind = NumberKind.Int;
        return;
      }
      const scale = exponent - fractionDigits;
      if (scale >= -22 && scale <= 22) {
        const value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
        this.num = negative ? -value : value;
        this.numKind = NumberKind.Float;
        return;
      }
    }
    this.scanNumberSlow(start, p, integral);
  }

  private scanNumberSlow(start: number, end: number, integral: boolean): void {
    const literal = this.text.toString('latin1', start, end);
    this.num = Number(literal);
    this.numKind = Number.isFinite(this.num) ? NumberKind.Float : NumberKind.OutOfRange;
    if (integral) {
      const value = BigInt(literal);
      if (value >= INT64_MIN && value <= INT64_MAX) {
        this.numBig = value;
        this.numKind = NumberKind.BigInt;
      }
    }
  }

  /** The source text of bytes [start, end), for number literals in error messages. */
  literal(start: number, end: number): string {
    return this.text.toString('latin1', start, end);
  }

  /** At `t`, `f` or `n`: validates the literal and moves past it. */
  scanLiteral(): void {
    const buf = this.buf;
    const first = buf[this.pos];
    const word = first === 0x74 ? 'true' : first === 0x66 ? 'false' : 'null';
    for (let i = 1; i < word.length; i++) {
      const expected = word.charCodeAt(i);
      if (buf[this.pos + i] !== expected) {
        this.pos += i;
        this.fail(`in literal ${word} (expecting ${quoteChar(expected)})`);
      }
    }
    this.pos += word.length;
  }

  /** Validates and skips any value at `pos` (whitespace before it already skipped). */
  skipValue(): void {
    const buf = this.buf;
    let depth = 0;
    for (;;) {
      const c = buf[this.pos];
      if (c === 0x5b || c === 0x7b) {
        this.pos++;
        this.skipWs();
        if (buf[this.pos] === (c === 0x5b ? 0x5d : 0x7d)) {
          this.pos++;
        } else {
          if (depth === this.containers.length) {
            const grown = new Uint8Array(depth * 2);
            grown.set(this.containers);
            this.containers = grown;
          }
          this.containers[depth++] = c === 0x5b ? ARRAY : OBJECT;
          if (c === 0x7b) this.skipKey();
          continue;
        }
      } else if (c === 0x22) {
        this.scanString();
      } else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        this.scanNumber();
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        this.scanLiteral();
      } else {
        this.fail('looking for beginning of value');
      }
      // After a value: close containers until one continues with `,`.
      for (;;) {
        if (depth === 0) return;
        this.skipWs();
        const next = buf[this.pos];
        const container = this.containers[depth - 1];
        if (next === 0x2c) {
          this.pos++;
          this.skipWs();
          if (container === OBJECT) this.skipKey();
          break;
        }
        if (next === (container === ARRAY ? 0x5d : 0x7d)) {
          this.pos++;
          depth--;
          continue;
        }
        this.fail(container === ARRAY ? 'after array element' : 'after object key:value pair');
      }
    }
  }

  /** At an object key (whitespace skipped): skips `"key"` `:` and the whitespace after. */
  skipKey(): void {
    if (this.buf[this.pos] !== 0x22) this.fail('looking for beginning of object key string');
    this.scanString();
    this.afterKey();
  }

  /** After an object key's string: skips `:` and the whitespace around it. */
  afterKey(): void {
    this.skipWs();
    if (this.buf[this.pos] !== 0x3a) this.fail('after object key');
    this.pos++;
    this.skipWs();
  }

  /**
   * At `[` or `{`: steps inside, past whitespace. False when the container is empty, and then
   * its `close` bracket is consumed as well.
   */
  enter(close: number): boolean {
    this.pos++;
    this.skipWs();
    if (this.buf[this.pos] !== close) return true;
    this.pos++;
    return false;
  }

  /** After an array element: true past `,` and whitespace, false past the closing `]`. */
  nextElement(): boolean {
    return this.next(0x5d, 'after array element');
  }

  /** After an object member's value: true past `,` and whitespace, false past the closing `}`. */
  nextMember(): boolean {
    return this.next(0x7d, 'after object key:value pair');
  }

  private next(close: number, context: string): boolean {
    this.skipWs();
    const c = this.buf[this.pos];
    if (c === 0x2c) {
      this.pos++;
      this.skipWs();
      return true;
    }
    if (c !== close) this.fail(context);
    this.pos++;
    return false;
  }

  /** The string with content bytes [start, end) and `flags` from `scanString`, decoded. */
  stringValue(start: number, end: number, flags: number): string {
    if (flags === 0) return this.text.toString('latin1', start, end);
    if ((flags & StringFlag.Escaped) === 0) return this.text.toString('utf8', start, end);
    const bytes = this.unescape(start, end);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  }

  /**
   * The UTF-8 content of the string with bytes [start, end), escapes resolved, in a scratch
   * buffer that the next call overwrites.
   */
  unescape(start: number, end: number): Uint8Array {
    const buf = this.buf;
    // An escape never expands, so the raw length bounds the output.
    if (this.unescaped.length < end - start) this.unescaped = new Uint8Array((end - start) * 2);
    const out = this.unescaped;
    let n = 0;
    let p = start;
    while (p < end) {
      const c = buf[p]!;
      if (c !== 0x5c) {
        out[n++] = c;
        p++;
        continue;
      }
      const e = buf[p + 1]!;
      p += 2;
      if (e !== 0x75) {
        out[n++] = e === 0x62 ? 8 : e === 0x66 ? 12 : e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e;
        continue;
      }
      let code = this.hex4(p);
      p += 4;
      if (code >= 0xd800 && code < 0xdc00) {
        const low = buf[p] === 0x5c && buf[p + 1] === 0x75 ? this.hex4(p + 2) : -1;
        if (low >= 0xdc00 && low < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        } else {
          code = 0xfffd;
        }
      } else if (code >= 0xdc00 && code < 0xe000) {
        code = 0xfffd;
      }
      n = writeUtf8(out, n, code);
    }
    return out.subarray(0, n);
  }

  private hex4(p: number): number {
    const buf = this.buf;
    return (HEX[buf[p]!]! << 12) | (HEX[buf[p + 1]!]! << 8) | (HEX[buf[p + 2]!]! << 4) | HEX[buf[p + 3]!]!;
  }
}

function writeUtf8(out: Uint8Array, n: number, code: number): number {
  if (code < 0x80) {
    out[n++] = code;
  } else if (code < 0x800) {
    out[n++] = 0xc0 | (code >> 6);
    out[n++] = 0x80 | (code & 0x3f);
  } else if (code < 0x10000) {
    out[n++] = 0xe0 | (code >> 12);
    out[n++] = 0x80 | ((code >> 6) & 0x3f);
    out[n++] = 0x80 | (code & 0x3f);
  } else {
    out[n++] = 0xf0 | (code >> 18);
    out[n++] = 0x80 | ((code >> 12) & 0x3f);
    out[n++] = 0x80 | ((code >> 6) & 0x3f);
    out[n++] = 0x80 | (code & 0x3f);
  }
  return n;
}
