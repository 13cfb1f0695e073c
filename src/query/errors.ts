import { BadRequestError } from '../errors.js';

/*
 * Errors raised while turning query text into a statement. Both are 400s handled by the
 * shared HttpError mapping; the message is the whole response body.
 */

/** 0.8's answer to a query whose regex, or whose reader's permissions, match no series. */
export const NO_SERIES_MATCHED = "Couldn't look up columns";

/** Body is the three-line bison-style report of query-language.md §11.1. */
export class QuerySyntaxError extends BadRequestError {
  override readonly name = 'QuerySyntaxError';
}

/** A well-formed query that 0.8 still rejected (§4, §11.2); body is the message only. */
export class QuerySemanticError extends BadRequestError {
  override readonly name: string = 'QuerySemanticError';
}

/** A bad `time(...)` in a group by, which a continuous query reports in words of its own. */
export class TimeFunctionError extends QuerySemanticError {
  override readonly name = 'TimeFunctionError';
}
