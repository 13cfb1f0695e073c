/**
 * A non-negative integer up to 2^53 as a varint (7 bits a byte, low bits first) written into
 * `out` at `at`, which has room for its bytes (8 at most); returns where the next byte goes. Values
 * within 32 bits, nearly all of them, take integer operations, several times faster than the
 * `%` and `Math.floor` that larger ones need.
 */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  if (value < 0x1_0000_0000) {
    while (value > 0x7f) {
      out[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
  } else {
    while (value >= 0x80) {
      out[at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
  }
  out[at++] = value;
  return at;
}
