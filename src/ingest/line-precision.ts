import { BadRequestError } from '../errors.js';

/** `precision` of `POST /write`, as InfluxDB 1.x reads it: `m` is minutes here, not 0.8's ms. */
export type LinePrecision = 'n' | 'u' | 'ms' | 's' | 'm' | 'h';

const ALIASES: Record<string, LinePrecision> = { n: 'n', ns: 'n', u: 'u', us: 'u', ms: 'ms', s: 's', m: 'm', h: 'h' };

export function parseLinePrecision(value: string | null): LinePrecision {
  if (value === null || value === '') return 'n';
  const precision = ALIASES[value];
  if (precision === undefined) throw new BadRequestError(`invalid precision '${value}': expected n, u, ms, s, m or h`);
  return precision;
}

/** Microseconds per unit; nanoseconds are divided, not multiplied, and handled apart. */
export const MICROS_PER_LINE_UNIT: Record<Exclude<LinePrecision, 'n'>, number> = { u: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };
