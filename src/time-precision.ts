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

export const MICROS_PER_UNIT: Record<TimePrecision, number> = { s: 1_000_000, ms: 1_000, u: 1 };

/** Stored microseconds → the client's unit, truncating toward zero (-1500 µs → -1 ms). */
export function fromMicros(us: number, precision: TimePrecision): number {
  return Math.trunc(us / MICROS_PER_UNIT[precision]);
}

/** The server's current time in whole microseconds. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
