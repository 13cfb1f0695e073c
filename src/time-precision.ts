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
 * Below 2^53 µs the rounded quotient is never a whole unit off (half the spacing of doubles
 * there is less than 1/unit). Beyond, near the year 9999, it can round up to the next unit, so
 * the exact remainder (`%` is exact, but slow) comes off first; what is left divides to within
 * a tenth of the true quotient, an integer below 2^53, which rounding then recovers.
 */
export function fromMicros(us: number, precision: TimePrecision): number {
  const unit = MICROS_PER_UNIT[precision];
  if (us > -TWO_TO_53 && us < TWO_TO_53) return Math.trunc(us / unit);
  return Math.round((us - (us % unit)) / unit);
}

/** The server's current time in whole microseconds. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
