/**
 * Floats that are decimals of a few digits, held as integers: v is round(v · 10^k) / 10^k
 * exactly when dividing that integer by 10^k gives v back bit for bit (IEEE division rounds
 * correctly, so it gives the float nearest the decimal, which is what parsing the decimal
 * gave). −0 is refused: the integer 0 gives back +0.
 */

/** Integers within ±2^52 are exact in a float64, and their sums and differences in pairs too. */
export const MAX_PACKABLE = 2 ** 52;
/** Past 15 digits a float64 does not hold every decimal. */
export const MAX_DECIMALS = 15;

/** Whether v is round(v · scale) / scale exactly, that integer within ±MAX_PACKABLE, and not −0. */
export function isExactDecimal(v: number, scale: number): boolean {
  const s = Math.round(v * scale);
  return s / scale === v && Math.abs(s) <= MAX_PACKABLE && !(v === 0 && 1 / v < 0);
}
