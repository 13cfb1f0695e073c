import { BadRequestError } from '../errors.js';
import type { ScheduledDelete } from '../meta/lifecycle.js';
import { parseDuration } from '../query/durations.js';
import { compileSeriesRegex } from '../regex.js';

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
  const olderThanUs = typeof olderThan === 'string' ? parsedOlderThan(olderThan) : undefined;
  if (olderThanUs === undefined) throw new BadRequestError('olderThan is required: a duration like 14d (units u, s, m, h, d, w)');
  if (olderThanUs > MAX_OLDER_THAN_US) throw new BadRequestError(`olderThan must be at most ${MAX_OLDER_THAN_DAYS}d, the 10,000 years points can span`);
  if (typeof runAt !== 'number' || !Number.isInteger(runAt) || runAt < 0 || runAt > 23) {
    throw new BadRequestError('runAt is required: an integer UTC hour from 0 to 23');
  }
  return { regex, olderThan: olderThan as string, runAt };
}

/** Days in the years 0–9999, every time a point can have: a longer olderThan could delete nothing more. */
const MAX_OLDER_THAN_DAYS = 3_652_425;
const MAX_OLDER_THAN_US = MAX_OLDER_THAN_DAYS * 86_400_000_000;

/**
 * `14d` in µs; undefined unless a positive number with one of the units, at most
 * MAX_OLDER_THAN_DAYS: a run computes now − olderThan, which past that is no date at all.
 */
export function olderThanMicros(text: string): number | undefined {
  const us = parsedOlderThan(text);
  return us === undefined || us > MAX_OLDER_THAN_US ? undefined : us;
}

function parsedOlderThan(text: string): number | undefined {
  const duration = parseDuration(text);
  if (duration?.unit === undefined || !UNITS.has(duration.unit) || duration.nanoseconds <= 0n) return undefined;
  return Number(duration.nanoseconds / 1000n);
}
