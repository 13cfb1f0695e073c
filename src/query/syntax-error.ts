import type { MatchResult } from 'ohm-js';
import { queryGrammar } from './grammar.js';
import { TOKEN_NAMES, tokenCode, tokenCodes, type Lexed, type TokenName } from './tokens.js';

/*
 * Builds the three-line syntax error body of query-language.md §11.1:
 *
 *   syntax error, unexpected <TOKEN>[, expecting <T1> or <T2> ...]
 *   <query>
 *   <spaces><carets>
 *
 * 0.8 produced this with a bison LALR parser. We find the same facts by probing the ohm
 * grammar with token prefixes: the offending token is the first one that no valid query
 * can continue with, and the expected tokens are those that could stand in its place.
 * Bison reported fewer: on an error it first completed every construct that could be
 * complete (its "default reductions"), so it only listed what the enclosing construct
 * still required. `narrowLikeBison` reproduces that: `select * fromm x` expects FROM,
 * not also `,` or an operator.
 */

/** Tokens that extend an already complete item (a value, a list, a condition, a name). */
const EXTENDS_COMPLETE_ITEM = new Set<TokenName>([
  "','", "'+'", "'-'", "'*'", "'/'", "'('", 'AS', 'AND', 'OR', 'OPERATION_EQUAL', 'OPERATION_NE',
  'OPERATION_GT', 'OPERATION_LT', 'OPERATION_LE', 'OPERATION_GE', 'OPERATION_IN', 'REGEX_OP',
  'NEGATION_REGEX_OP', 'MERGE', 'INNER',
]);

/** bison listed the expected tokens only when there were at most four. */
const MAX_LISTED = 4;

export function describeSyntaxError(text: string, { tokens, last }: Lexed): string {
  const codes = tokenCodes(tokens);
  const prober = new PrefixProber();
  const index = offendingTokenIndex(prober, codes);
  const offending = tokens[index];
  const expected = expectedTokens(prober, codes.slice(0, index));
  const listed = expected.length > 0 && expected.length <= MAX_LISTED ? `, expecting ${expected.join(' or ')}` : '';
  const marker = offending ?? last;
  const carets = marker === undefined ? '' : ' '.repeat(marker.column) + '^'.repeat(marker.bytes);
  return `syntax error, unexpected ${offending?.name ?? '$end'}${listed}\n${text}\n${carets}`;
}

/**
 * Matches token strings that mostly share a prefix. ohm's incremental matcher keeps the
 * memo entries that did not look at the edited tail, so the dozens of probes below cost
 * little more than one parse, even for a long query.
 */
class PrefixProber {
  private readonly matcher = queryGrammar().matcher();
  private input = '';

  match(codes: string): MatchResult {
    let common = 0;
    while (common < codes.length && codes[common] === this.input[common]) common += 1;
    this.matcher.replaceInputRange(common, this.input.length, codes.slice(common));
    this.input = codes;
    return this.matcher.match();
  }

  /** True if some valid query starts with exactly these tokens. */
  isValidPrefix(codes: string): boolean {
    const result = this.match(codes);
    return result.failed() ? result.getRightmostFailurePosition() === codes.length : true;
  }
}

/** Index of the first token that breaks the query; the token count means `$end`. */
function offendingTokenIndex(prober: PrefixProber, codes: string): number {
  const result = prober.match(codes);
  // Every grammar terminal is one token, so the rightmost failure is a token index; the
  // loops only guard against ordered choice having given up early on some prefix.
  let index = result.failed() ? result.getRightmostFailurePosition() : codes.length;
  while (index > 0 && !prober.isValidPrefix(codes.slice(0, index))) index -= 1;
  while (index < codes.length && prober.isValidPrefix(codes.slice(0, index + 1))) index += 1;
  return index;
}

function expectedTokens(prober: PrefixProber, prefix: string): string[] {
  if (prober.match(prefix).succeeded()) return ['$end'];
  return narrowLikeBison(TOKEN_NAMES.filter((name) => prober.isValidPrefix(prefix + tokenCode(name))));
}

/**
 * When the prefix ends a complete item, bison only listed what the enclosing construct
 * requires next; the tokens that would have extended the item were not mentioned.
 * (A prefix that is a complete query already got `$end` alone in expectedTokens.)
 */
function narrowLikeBison(possible: readonly TokenName[]): TokenName[] {
  const required = possible.filter((name) => !EXTENDS_COMPLETE_ITEM.has(name));
  return required.length > 0 ? required : [...possible];
}
