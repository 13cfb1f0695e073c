import { BadRequestError } from './errors.js';

/** The units a client may read and write time in. `m` is 0.8's deprecated alias of `ms`. */
export type TimePrecision = 's' | 'ms' | 'u';

export function parseTimePrecision(value: string | undefined): TimePrecision {
  switch (value) {
    case undefined:
    case '':
    case 'ms':
    case 'm':
      return 'ms';
    case 's':
      return 's';
    case 'u':
      return 'u';
    default:
      throw new BadRequestError(`Unknown time precision ${value}`);
  }
}

const TWO_TO_53 = 2 ** 53;

export const MICROS_PER_UNIT: Record<TimePrecision, number> = { s: 1_000_000, ms: 1_000, u: 1 };

/**
 * Stored microseconds → the client's unit, truncating toward zero (-1500 µs → -1 ms), exactly.
 * Below 2^53 µs the product with the unit's inverse is within a millionth of the true quotient,
 * so its truncation is at most one off, which the exact remainder (q × unit is below 2^53)
 * then corrects. Beyond, near the year 9999, the exact remainder (`%` is exact, but slow) comes
 * off first; what is left divides to within a tenth of the true quotient, an integer below
 * 2^53, which rounding then recovers.
 */
export function fromMicros(us: number, precision: TimePrecision): number {
  if (precision === 'u') return us;
  const unit = precision === 's' ? 1_000_000 : 1_000;
  if (!(us > -TWO_TO_53 && us < TWO_TO_53)) return Math.round((us - (us % unit)) / unit);
  // Every answer row's time passes here: a multiplication by the unit's inverse, corrected by
  // one where it rounded across a multiple, is exact (q × unit < 2^53) and cheaper than dividing.
  let q = Math.trunc(us * (precision === 's' ? 1e-6 : 1e-3));
  const rest = us - q * unit;
  if (us >= 0) {
    if (rest >= unit) q++;
    else if (rest < 0) q--;
  } else if (rest <= -unit) q--;
  else if (rest > 0) q++;
  return q;
}

/** The server's current time in whole microseconds. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
