/**
 * The lexical pieces of line protocol that the series key and the field keys share: which
 * bytes escape, how an escaped name is read, and the error a malformed line raises.
 */
import { sameBytes } from '../util/utf8-names.js';

export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const EQUALS = 0x3d;
export const SPACE = 0x20;

/** What a backslash escapes in a measurement, and in tag keys, tag values and field keys. */
export const MEASUREMENT_ESCAPES = [COMMA, SPACE];
export const TAG_ESCAPES = [COMMA, EQUALS, SPACE];

/** Names 0.8 gives a meaning of its own; a tag or field of that name could not be read back. */
export const RESERVED_COLUMNS = new Set(['time', 'sequence_number']);
const RESERVED_NAME_BYTES = [...RESERVED_COLUMNS].map((name) => new TextEncoder().encode(name));

/** Whether `buf[start, end)` is a reserved column name, read without decoding it. */
export function isReservedName(buf: Uint8Array, start: number, end: number): boolean {
  for (const name of RESERVED_NAME_BYTES) if (sameBytes(name, buf, start, end)) return true;
  return false;
}

/** A line is malformed; the message says how. */
export class LineSyntaxError extends Error {}

/** Drops the backslash before each of `escapable`; any other backslash is kept, as 1.x does. */
export function unescape(buf: Uint8Array, start: number, end: number, escapable: readonly number[]): Uint8Array {
  if (buf.subarray(start, end).indexOf(BACKSLASH) < 0) return new Uint8Array(buf.subarray(start, end));
  const out = new Uint8Array(end - start);
  let length = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === BACKSLASH && i + 1 < end && escapable.includes(buf[i + 1]!)) continue;
    out[length++] = c;
  }
  return out.slice(0, length);
}

/** Unescapes a field key, which follows the tag rules. */
export function unescapeFieldKey(buf: Uint8Array, start: number, end: number): Uint8Array {
  return unescape(buf, start, end, TAG_ESCAPES);
}

/**
 * Where the prefix `bytes[at, at + length)` ends in `buf` at `start` when the bytes there are
 * that prefix followed by `terminator`; -1 otherwise.
 */
export function prefixEndAt(bytes: Uint8Array, at: number, length: number, buf: Uint8Array, start: number, terminator: number): number {
  if (buf[start + length] !== terminator) return -1;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== buf[start + i]) return -1;
  return start + length;
}
