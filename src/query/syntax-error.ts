import { queryGrammar } from './grammar.js';
import { lex, type Token, type TokenName } from './tokens.js';

/*
 * Builds the three-line syntax error body of query-language.md §11.1:
 *
 *   syntax error, unexpected <TOKEN>[, expecting <T1> or <T2> ...]
 *   <query>
 *   <spaces><carets>
 *
 * 0.8 produced this with a bison LALR parser. We find the same facts with the ohm grammar
 * by probing prefixes of the query: the offending token is the first one that no valid
 * query can continue with, and the expected tokens are those that could stand in its
 * place. Bison reported fewer: on an error it first completed every construct that could
 * be complete (its "default reductions"), so it only listed what the enclosing construct
 * still required. `narrowLikeBison` reproduces that: `select * fromm x` expects FROM, not
 * also `,` or an operator.
 */

/**
 * Ends every probe. A parse that completed the prefix's last token skips the space and
 * fails on the carriage return, which no token accepts (only an unterminated string,
 * name or regex swallows it). Failures exactly at the space come from lookaheads inside
 * the last token (`1` might have been `1.5`), which say nothing about the token sequence.
 */
const SENTINEL = ' \r';

/** One sample text per token, in bison's declaration order (the order it listed them). */
const TOKEN_SAMPLES: ReadonlyArray<readonly [TokenName, string]> = [
  ['SELECT', 'select'], ['DELETE', 'delete'], ['FROM', 'from'], ['WHERE', 'where'],
  ['GROUP', 'group'], ['BY', 'by'], ['LIMIT', 'limit'], ['ORDER', 'order'], ['ASC', 'asc'],
  ['DESC', 'desc'], ['MERGE', 'merge'], ['INNER', 'inner'], ['JOIN', 'join'], ['AS', 'as'],
  ['LIST', 'list'], ['SERIES', 'series'], ['INTO', 'into'],
  ['CONTINUOUS_QUERIES', 'continuous queries'], ['CONTINUOUS_QUERY', 'continuous query'],
  ['DROP', 'drop'], ['DROP_SERIES', 'drop series'], ['EXPLAIN', 'explain'],
  ['STRING_VALUE', "'s'"], ['INT_VALUE', '1'], ['FLOAT_VALUE', '1.5'], ['BOOLEAN_VALUE', 'true'],
  ['TABLE_NAME', 'a.b'], ['SIMPLE_NAME', 'a'], ['INTO_NAME', 'a:b'], ['REGEX_OP', '=~'],
  ['NEGATION_REGEX_OP', '!~'], ['REGEX_STRING', '/r/'], ['INSENSITIVE_REGEX_STRING', '/r/i'],
  ['DURATION', '1h'], ['OR', 'or'], ['AND', 'and'], ['OPERATION_EQUAL', '='],
  ['OPERATION_NE', '<>'], ['OPERATION_GT', '>'], ['OPERATION_LT', '<'], ['OPERATION_LE', '<='],
  ['OPERATION_GE', '>='], ['OPERATION_IN', 'in'], ["'+'", '+'], ["'-'", '-'], ["'*'", '*'],
  ["'/'", '/'], ["';'", ';'], ["','", ','], ["'('", '('], ["')'", ')'],
];

/** Tokens that extend an already complete item (a value, a list, a condition, a name). */
const EXTENDS_COMPLETE_ITEM = new Set<TokenName>([
  "','", "'+'", "'-'", "'*'", "'/'", "'('", 'AS', 'AND', 'OR', 'OPERATION_EQUAL', 'OPERATION_NE',
  'OPERATION_GT', 'OPERATION_LT', 'OPERATION_LE', 'OPERATION_GE', 'OPERATION_IN', 'REGEX_OP',
  'NEGATION_REGEX_OP', 'MERGE', 'INNER',
]);

/** bison listed the expected tokens only when there were at most four. */
const MAX_LISTED = 4;

/** `failurePosition` is ohm's rightmost failure, used as the first guess. */
export function describeSyntaxError(text: string, failurePosition: number): string {
  const { tokens, last } = lex(text);
  const index = offendingTokenIndex(text, tokens, failurePosition);
  const offending = tokens[index];
  const prefix = text.slice(0, tokens[index - 1]?.end ?? 0);
  const expected = expectedTokens(prefix, index);
  const listed = expected.length > 0 && expected.length <= MAX_LISTED ? `, expecting ${expected.join(' or ')}` : '';
  const marker = offending ?? last;
  const carets = marker === undefined ? '' : ' '.repeat(marker.column) + '^'.repeat(marker.bytes);
  return `syntax error, unexpected ${offending?.name ?? '$end'}${listed}\n${text}\n${carets}`;
}

/** Index of the first token that breaks the query; `tokens.length` means `$end`. */
function offendingTokenIndex(text: string, tokens: readonly Token[], failurePosition: number): number {
  const validThrough = (i: number): boolean => isValidPrefix(text.slice(0, tokens[i]!.end));
  const guess = tokens.findIndex((token) => token.end > failurePosition);
  let index = guess === -1 ? tokens.length : guess;
  while (index > 0 && !validThrough(index - 1)) index -= 1;
  while (index < tokens.length && validThrough(index)) index += 1;
  return index;
}

/** True if some valid query starts with exactly these tokens. */
function isValidPrefix(prefix: string): boolean {
  const result = queryGrammar.match(prefix + SENTINEL);
  return result.failed() ? result.getRightmostFailurePosition() === prefix.length + 1 : true;
}

function expectedTokens(prefix: string, tokenCount: number): string[] {
  if (queryGrammar.match(prefix).succeeded()) return ['$end'];
  const possible = TOKEN_SAMPLES.filter(([name, sample]) => {
    const probe = prefix === '' ? sample : `${prefix} ${sample}`;
    const { tokens } = lex(probe);
    return tokens.length === tokenCount + 1 && tokens[tokenCount]!.name === name && isValidPrefix(probe);
  }).map(([name]) => name);
  return narrowLikeBison(possible);
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
