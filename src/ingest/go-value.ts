/**
 * JSON values printed the way 0.8's error messages printed decoded Go values with `%T (%v)`:
 * `string (abc)`, `bool (true)`, `<nil> (<nil>)`, `[]interface {} ([1 a])`,
 * `map[string]interface {} (map[a:1])`.
 */
import type { JsonScanner } from './json-scanner.js';

/** Deeper nesting is printed as `...`; the message only has to identify the value. */
const MAX_DEPTH = 32;

/** Validates and skips the value at `scanner.pos`, returning it as `<type> (<value>)`. */
export function describeGoValue(scanner: JsonScanner): string {
  const start = scanner.pos;
  scanner.skipValue();
  const end = scanner.pos;
  scanner.pos = start;
  const c = scanner.buf[start];
  const type =
    c === 0x22 ? 'string'
    : c === 0x74 || c === 0x66 ? 'bool'
    : c === 0x6e ? '<nil>'
    : c === 0x7b ? 'map[string]interface {}'
    : c === 0x5b ? '[]interface {}'
    : 'json.Number';
  const text = formatValue(scanner, 0);
  scanner.pos = end;
  return `${type} (${text})`;
}

/** Prints the already validated value at `scanner.pos` and moves past it. */
function formatValue(scanner: JsonScanner, depth: number): string {
  const buf = scanner.buf;
  const c = buf[scanner.pos];
  if (depth > MAX_DEPTH) {
    scanner.skipValue();
    return '...';
  }
  if (c === 0x22) {
    scanner.scanString();
    return scanner.stringValue(scanner.strStart, scanner.strEnd, scanner.strFlags);
  }
  if (c === 0x74 || c === 0x66 || c === 0x6e) {
    scanner.scanLiteral();
    return c === 0x74 ? 'true' : c === 0x66 ? 'false' : '<nil>';
  }
  if (c === 0x5b || c === 0x7b) {
    const close = c === 0x5b ? 0x5d : 0x7d;
    const items: string[] = [];
    // A Go map keeps the last value of a repeated key.
    const members = new Map<string, string>();
    scanner.pos++;
    scanner.skipWs();
    while (buf[scanner.pos] !== close) {
      if (c === 0x5b) {
        items.push(formatValue(scanner, depth + 1));
      } else {
        scanner.scanString();
        const key = scanner.stringValue(scanner.strStart, scanner.strEnd, scanner.strFlags);
        scanner.skipWs();
        scanner.pos++;
        scanner.skipWs();
        members.set(key, formatValue(scanner, depth + 1));
      }
      scanner.skipWs();
      if (buf[scanner.pos] === 0x2c) {
        scanner.pos++;
        scanner.skipWs();
      }
    }
    scanner.pos++;
    if (c === 0x5b) return `[${items.join(' ')}]`;
    // Go's fmt prints map keys sorted.
    const keys = [...members.keys()].sort();
    return `map[${keys.map((key) => `${key}:${members.get(key)}`).join(' ')}]`;
  }
  const start = scanner.pos;
  scanner.scanNumber();
  return scanner.literal(start, scanner.pos);
}
