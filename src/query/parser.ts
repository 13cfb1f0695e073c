import type { Statement } from './ast.js';
import { QuerySyntaxError } from './errors.js';
import { queryGrammar } from './grammar.js';
import { statementsOf } from './semantics.js';
import { describeSyntaxError } from './syntax-error.js';
import { lex, tokenCodes } from './tokens.js';

/**
 * Parses the `q` parameter. Every `;`-separated statement must be valid, but only the
 * first one is run (query-language.md §5.7), so only that one is returned.
 *
 * Throws QuerySyntaxError (§11.1) or QuerySemanticError (§4).
 */
export function parseQuery(text: string): Statement {
  const lexed = lex(text);
  const match = queryGrammar.match(tokenCodes(lexed.tokens));
  if (match.failed()) throw new QuerySyntaxError(describeSyntaxError(text, lexed));
  return statementsOf(match, text, lexed.tokens)[0]!;
}
