import { BadRequestError } from '../errors.js';
import type { IntoClause, SelectStatement } from './ast.js';
import { groupByTimeNanoseconds } from './clause-checks.js';
import { QuerySemanticError, QuerySyntaxError } from './errors.js';
import { parseQuery } from './parser.js';
import { SERIES_NAME } from './into-target.js';

/** A select with an into clause: what a continuous query is. */
export type ContinuousSelect = SelectStatement & { readonly into: IntoClause };

/**
 * The checks of continuous-queries.md §2 on a parsed `select … into`: a group by needs
 * `time(...)`, and `:series_name` with a regex source needs an anchor that stops recursion.
 */
export function checkContinuousSelect(statement: ContinuousSelect): void {
  // Fan-out copies written series (§5 leaves merge and join out), and a periodic run folds each
  // source series on its own: over a merge it would write one series' rows per source.
  if (statement.from.kind === 'merge' || statement.from.kind === 'join') {
    throw new QuerySemanticError(`Continuous queries cannot select from a ${statement.from.kind}`);
  }
  if (statement.groupBy) {
    let width: bigint | undefined;
    try {
      width = groupByTimeNanoseconds(statement.groupBy.values);
    } catch (err) {
      throw new QuerySemanticError(`Couldn't get group by time for continuous query: ${(err as Error).message}`);
    }
    if (width === undefined) throw new QuerySemanticError('Continuous queries with a group by clause must include time(...) as one of the elements');
  }
  const { target } = statement.into;
  if (statement.from.kind === 'regex' && target.includes(SERIES_NAME)) {
    const { pattern } = statement.from;
    const guarded = (pattern.startsWith('^') && !target.startsWith(SERIES_NAME)) || (pattern.endsWith('$') && !target.endsWith(SERIES_NAME));
    if (!guarded) {
      throw new QuerySemanticError(
        'Continuous queries with :series_name interpolation must use a regular expression in the from clause that prevents recursion',
      );
    }
  }
}

/** A POSTed continuous query (http-api.md §10): parsed, with the endpoint's own messages. */
export function continuousSelectFromText(text: string): ContinuousSelect {
  let statement;
  try {
    statement = parseQuery(text);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new BadRequestError(`Failed to parse continuous query: ${text}`);
    throw err;
  }
  if (statement.kind !== 'select') throw new BadRequestError(`Failed to parse continuous query: ${text}`);
  if (!statement.into) throw new BadRequestError(`This query isn't a continuous query. Use 'into'. ${text}`);
  const select = statement as ContinuousSelect;
  checkContinuousSelect(select);
  return select;
}
