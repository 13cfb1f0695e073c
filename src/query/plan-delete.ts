import type { Condition, DeleteStatement, DropSeriesStatement } from './ast.js';
import { QuerySemanticError } from './errors.js';
import type { DeletePlan } from './plan.js';
import { seriesSource } from './select-parts.js';
import { extractTimeRange } from './time-range.js';

/** `drop series` covers every time a point can have; JSON (the WAL record) has no Infinity. */
export const ALL_TIME = { startUs: -Number.MAX_VALUE, endUs: Number.MAX_VALUE };

const NOT_TIME_ONLY = "Delete queries can't have where clause that don't reference time";

/** §5.3: a name, list or regex, and a where clause of time ranges only (default: up to now). */
export function planDelete(statement: DeleteStatement, nowUs: number): DeletePlan {
  const { from } = statement;
  // 0.8 named the from-clause type by its number: 1 merge, 2 inner join.
  if (from.kind === 'merge' || from.kind === 'join') {
    throw new QuerySemanticError(`Merge and Inner joins can't be used with a delete query: ${from.kind === 'merge' ? 1 : 2}`);
  }
  // `time = X` selects an instant, not a range: not a delete's condition.
  if (statement.where && hasTimeEquality(statement.where)) throw new QuerySemanticError(NOT_TIME_ONLY);
  const range = extractTimeRange(statement.where, nowUs);
  if (range.residual !== undefined || range.pointQuery !== undefined) throw new QuerySemanticError(NOT_TIME_ONLY);
  return { kind: 'delete', source: seriesSource(from), startUs: range.startUs, endUs: range.endUs, drop: false };
}

/** §5.4: the series, its columns and all its points. */
export function planDropSeries(statement: DropSeriesStatement): DeletePlan {
  return { kind: 'delete', source: { kind: 'names', names: [statement.name] }, ...ALL_TIME, drop: true };
}

function hasTimeEquality(condition: Condition): boolean {
  if (condition.kind === 'and' || condition.kind === 'or') return hasTimeEquality(condition.left) || hasTimeEquality(condition.right);
  if (condition.kind === 'paren') return hasTimeEquality(condition.condition);
  return condition.kind === 'comparison' && condition.op === '=' && [condition.left, condition.right].some((v) => v.kind === 'identifier' && v.name === 'time');
}
