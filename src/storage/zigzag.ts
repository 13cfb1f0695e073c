/** Integer helpers of the number codecs (number-planes.ts, step-runs.ts), on float64 integers within ±2^52. */

/** 0, -1, 1, -2, … as 0, 1, 2, 3, …: small magnitudes of either sign become small varints. */
export function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Greatest common divisor of two non-negative integers (gcd(a, 0) = a). */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}
