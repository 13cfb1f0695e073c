import { BadRequestError } from '../../errors.js';
import { ALL_TIME } from '../../query/plan-delete.js';
import { compileSeriesRegex } from '../../regex.js';
import { MIN_TIME_US } from '../../query/time-range.js';
import { nowMicros } from '../../time-precision.js';
import type { Handler } from '../context.js';

/**
 * DELETE /db/:db/series?name=&regex=&start=&end= (http-api.md §6.1): the rows of the named
 * series and of every series matching `regex`, with times in [start, end) in epoch seconds;
 * `start` absent or 0: from the beginning, `end` absent: now. The series stay listed.
 */
export const deleteSeriesRange: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, `Insufficient permission to write to ${exchange.params.db!}`);
  const name = exchange.query.get('name') ?? '';
  const regex = exchange.query.get('regex') ?? '';
  if (name === '' && regex === '') throw new BadRequestError('name or regex is required');
  const start = epochSeconds(exchange.query.get('start'), 'start');
  const end = epochSeconds(exchange.query.get('end'), 'end');
  // Compiled here too, so a bad pattern is a 400 whatever the shards hold.
  if (regex !== '') compileSeriesRegex(regex, false);
  const db = exchange.params.db!;
  if (server.meta.databaseExists(db)) {
    await server.storage.deleteSeries({
      db,
      names: name === '' ? [] : [name],
      regex: regex === '' ? undefined : { pattern: regex, caseInsensitive: false },
      startUs: start === undefined || start === 0 ? MIN_TIME_US : start * 1_000_000,
      endUs: end === undefined ? nowMicros() : end * 1_000_000,
      drop: false,
    });
  }
  exchange.empty(204);
};

/** DELETE /db/:db/series/:series (§6.2): `drop series` of the literal name; 204 also when unknown. */
export const dropSeries: Handler = async (exchange, server) => {
  await server.auth.databaseAdmin(exchange, exchange.params.db!, 'Insufficient permissions to drop series');
  const db = exchange.params.db!;
  if (server.meta.databaseExists(db)) {
    await server.storage.deleteSeries({
      db,
      names: [exchange.params.series!],
      regex: undefined,
      ...ALL_TIME,
      drop: true,
    });
  }
  exchange.empty(204);
};

function epochSeconds(text: string | null, field: string): number | undefined {
  if (text === null || text === '') return undefined;
  // Any int64 second: a bound past 2^53 µs (after 2255) is as near as the stored times, which
  // are doubles of µs too (README), so it still deletes the points a query's bound would.
  if (!/^-?\d{1,19}$/.test(text) || BigInt.asIntN(64, BigInt(text)) !== BigInt(text)) {
    throw new BadRequestError(`${field} must be an integer number of seconds since the epoch (an int64) but is ${text}`);
  }
  return Number(text);
}
