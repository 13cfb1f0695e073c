import type { Condition, FromClause } from './ast.js';
import type { SeriesSource } from './plan.js';
import { checkCondition } from './row-filter.js';
import type { TimeRange } from './time-range.js';

/* Parts of a plan that raw and aggregate selects work out alike. */

/** The series a single-series, list or regex `from` reads (merge and join are planned apart). */
export function seriesSource(from: Extract<FromClause, { kind: 'series' | 'regex' }>): SeriesSource {
  return from.kind === 'series'
    ? { kind: 'names', names: [...from.names] }
    : { kind: 'regex', regex: { pattern: from.pattern, caseInsensitive: from.caseInsensitive } };
}

/**
 * The checked where clause left once the time range is taken out. §6.5: a point query's
 * range already pins the time; its sequence number filters the rows.
 */
export function rowCondition(range: TimeRange): Condition | undefined {
  const where = range.pointQuery ? sequenceNumberIs(range.pointQuery.seq) : range.residual;
  if (where) checkCondition(where);
  return where;
}

function sequenceNumberIs(seq: number): Condition {
  return {
    kind: 'comparison',
    op: '=',
    left: { kind: 'identifier', name: 'sequence_number' },
    right: { kind: 'int', value: BigInt(seq), text: String(seq) },
  };
}
