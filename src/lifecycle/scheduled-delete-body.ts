import { BadRequestError } from '../errors.js';
import type { ScheduledDelete } from '../meta/lifecycle.js';
import { parseDuration } from '../query/durations.js';
import { compileSeriesRegex } from '../query/regex.js';

const UNITS = new Set(['u', 's', 'm', 'h', 'd', 'w']);

/** A POST body of /db/:db/scheduled_deletes (http-api.md §6.3), checked field by field. */
export function scheduledDeleteFromBody(text: string): Omit<ScheduledDelete, 'id'> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('the body must be a JSON object with regex, olderThan and runAt');
  const { regex, olderThan, runAt } = body as Record<string, unknown>;
  if (typeof regex !== 'string' || regex === '') throw new BadRequestError('regex is required: a non-empty string');
  compileSeriesRegex(regex, false);
  if (typeof olderThan !== 'string' || olderThanMicros(olderThan) === undefined) {
    throw new BadRequestError('olderThan is required: a duration like 14d (units u, s, m, h, d, w)');
  }
  if (typeof runAt !== 'number' || !Number.isInteger(runAt) || runAt < 0 || runAt > 23) {
    throw new BadRequestError('runAt is required: an integer UTC hour from 0 to 23');
  }
  return { regex, olderThan, runAt };
}

/** `14d` in µs; undefined unless a positive number with one of the units. */
export function olderThanMicros(text: string): number | undefined {
  const duration = parseDuration(text);
  if (duration?.unit === undefined || !UNITS.has(duration.unit) || duration.nanoseconds <= 0n) return undefined;
  return Number(duration.nanoseconds / 1000n);
}
