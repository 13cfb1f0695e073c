/*
 * The query lexer, a re-creation of 0.8's flex scanner (query-language.md §2): longest
 * match, ties to the earlier rule of the §2.2 table, and `/` read as a regex only where
 * 0.8 allowed one. The ohm grammar (grammar.ts) parses the resulting token sequence, and
 * syntax errors are reported in terms of these tokens (§11.1).
 */

/**
 * Token names as 0.8's bison parser printed them, in its declaration order, which is the
 * order in which it listed expected tokens.
 */
export const TOKEN_NAMES = [
  '$undefined',
  'SELECT', 'DELETE', 'FROM', 'WHERE', 'GROUP', 'BY', 'LIMIT', 'ORDER', 'ASC', 'DESC', 'MERGE',
  'INNER', 'JOIN', 'AS', 'LIST', 'SERIES', 'INTO', 'CONTINUOUS_QUERIES', 'CONTINUOUS_QUERY',
  'DROP', 'DROP_SERIES', 'EXPLAIN',
  'STRING_VALUE', 'INT_VALUE', 'FLOAT_VALUE', 'BOOLEAN_VALUE', 'TABLE_NAME', 'SIMPLE_NAME',
  'INTO_NAME', 'REGEX_OP', 'NEGATION_REGEX_OP', 'REGEX_STRING', 'INSENSITIVE_REGEX_STRING',
  'DURATION', 'UNKNOWN',
  'OR', 'AND', 'OPERATION_EQUAL', 'OPERATION_NE', 'OPERATION_GT', 'OPERATION_LT', 'OPERATION_LE',
  'OPERATION_GE', 'OPERATION_IN',
  "'+'", "'-'", "'*'", "'/'", "';'", "','", "'('", "')'",
] as const;

export type TokenName = (typeof TOKEN_NAMES)[number];

export interface Token {
  readonly name: TokenName;
  /** The token as written (a quoted name keeps its quotes, a regex its slashes). */
  readonly text: string;
  /** UTF-16 offsets into the query text. */
  readonly start: number;
  readonly end: number;
  /** §11.1 caret position: bytes before the token, not counting skipped line feeds. */
  readonly column: number;
  /** §11.1 caret count: the token's length in bytes. */
  readonly bytes: number;
}

/** Where carets go for a given lexeme (tokens and runs of spaces alike). */
export interface Span {
  readonly column: number;
  readonly bytes: number;
}

export interface Lexed {
  readonly tokens: readonly Token[];
  /** The last lexeme read, spaces included: where §11.1 puts the carets at `$end`. */
  readonly last: Span | undefined;
}

const KEYWORDS: ReadonlyMap<string, TokenName> = new Map<string, TokenName>([
  ['and', 'AND'], ['as', 'AS'], ['asc', 'ASC'], ['by', 'BY'], ['delete', 'DELETE'], ['desc', 'DESC'],
  ['drop', 'DROP'], ['explain', 'EXPLAIN'], ['from', 'FROM'], ['group', 'GROUP'], ['in', 'OPERATION_IN'],
  ['inner', 'INNER'], ['into', 'INTO'], ['join', 'JOIN'], ['limit', 'LIMIT'], ['list', 'LIST'],
  ['merge', 'MERGE'], ['or', 'OR'], ['order', 'ORDER'], ['select', 'SELECT'], ['series', 'SERIES'],
  ['where', 'WHERE'], ['true', 'BOOLEAN_VALUE'], ['false', 'BOOLEAN_VALUE'],
]);

/** Longest first, so `continuous queries` is not read as `continuous query` + `ies`. */
const MULTI_WORD: ReadonlyArray<readonly [string, TokenName]> = [
  ['continuous queries', 'CONTINUOUS_QUERIES'],
  ['continuous query', 'CONTINUOUS_QUERY'],
  ['drop series', 'DROP_SERIES'],
];

const OPERATORS: ReadonlyArray<readonly [string, TokenName]> = [
  ['=~', 'REGEX_OP'], ['!~', 'NEGATION_REGEX_OP'], ['!=', 'OPERATION_NE'], ['<>', 'OPERATION_NE'],
  ['<=', 'OPERATION_LE'], ['>=', 'OPERATION_GE'], ['=', 'OPERATION_EQUAL'], ['<', 'OPERATION_LT'],
  ['>', 'OPERATION_GT'], [';', "';'"], [',', "','"], ['(', "'('"], [')', "')'"], ['+', "'+'"],
  ['-', "'-'"], ['*', "'*'"], ['/', "'/'"],
];

const NAME_CHAR = /[A-Za-z0-9_]/;
const TABLE_CHAR = /[A-Za-z0-9_.-]/;
const INTO_CHAR = /[A-Za-z0-9_.:[\]-]/;
const FLOAT = /^(\d+\.\d*|\.\d+)$/;
const DURATION = /^(\d+(\.\d*)?|\.\d+)(ms|u|s|m|h|d|w|y)$/i;
/** Sticky: matched in place at a position, without slicing the rest of the query. */
const DOT_NUMBER = /\.\d+(ms|u|s|m|h|d|w|y)?/iy;

/**
 * Where a `/` starts a regex rather than a division (§2.8): for the whole from clause,
 * or for the single token after `=~`, `!~` and `list series`.
 */
type RegexContext = 'none' | 'fromClause' | 'nextToken';

const LEAVES_FROM_CLAUSE = new Set<TokenName>(['WHERE', 'GROUP', 'LIMIT', 'ORDER', 'INTO', "';'"]);

export function lex(text: string): Lexed {
  const tokens: Token[] = [];
  let last: Span | undefined;
  let column = 0;
  let context: RegexContext = 'none';
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos]!;
    if (c === '\n') {
      pos += 1;
      continue;
    }
    if (c === ' ' || c === '\t') {
      const end = spanWhile(text, pos, (ch) => ch === ' ' || ch === '\t');
      last = { column, bytes: end - pos };
      column += end - pos;
      pos = end;
      continue;
    }
    const { name, end } = c === '/' && context !== 'none' ? regexAt(text, pos) : tokenAt(text, pos);
    const bytes = Buffer.byteLength(text.slice(pos, end));
    // flex's `.` rule consumed one byte of an unexpected multi-byte character.
    const token: Token = { name, text: text.slice(pos, end), start: pos, end, column, bytes: name === '$undefined' ? 1 : bytes };
    tokens.push(token);
    last = token;
    column += bytes;
    pos = end;
    context = nextContext(context, name, tokens[tokens.length - 2]?.name);
  }
  return { tokens, last };
}

function nextContext(context: RegexContext, name: TokenName, previous: TokenName | undefined): RegexContext {
  if (name === 'FROM') return 'fromClause';
  if (name === 'REGEX_OP' || name === 'NEGATION_REGEX_OP') return 'nextToken';
  if (name === 'SERIES' && previous === 'LIST') return 'nextToken';
  if (context === 'fromClause' && !LEAVES_FROM_CLAUSE.has(name)) return 'fromClause';
  return 'none';
}

function tokenAt(text: string, pos: number): { name: TokenName; end: number } {
  const c = text[pos]!;
  if (NAME_CHAR.test(c) || c === ':' || c === '[') return wordAt(text, pos);
  if (c === '.') {
    DOT_NUMBER.lastIndex = pos;
    const number = DOT_NUMBER.exec(text);
    if (number !== null) return { name: number[1] === undefined ? 'FLOAT_VALUE' : 'DURATION', end: pos + number[0].length };
  }
  if (c === "'") {
    const close = text.indexOf("'", pos + 1);
    if (close !== -1) return { name: 'STRING_VALUE', end: close + 1 };
  }
  if (c === '"') {
    const close = closingDelimiter(text, pos, '"');
    if (close !== undefined) return { name: 'SIMPLE_NAME', end: close + 1 };
  }
  for (const [operator, name] of OPERATORS) {
    if (text.startsWith(operator, pos)) return { name, end: pos + operator.length };
  }
  return { name: '$undefined', end: pos + String.fromCodePoint(text.codePointAt(pos)!).length };
}

function regexAt(text: string, pos: number): { name: TokenName; end: number } {
  const close = closingDelimiter(text, pos, '/');
  if (close === undefined) return { name: 'UNKNOWN', end: text.length };
  const flagged = text[close + 1] === 'i' || text[close + 1] === 'I';
  return { name: flagged ? 'INSENSITIVE_REGEX_STRING' : 'REGEX_STRING', end: close + (flagged ? 2 : 1) };
}

/** Index of the delimiter closing the one at `open`, skipping backslash escapes. */
function closingDelimiter(text: string, open: number, delimiter: string): number | undefined {
  for (let pos = open + 1; pos < text.length; pos += 1) {
    if (text[pos] === '\\') pos += 1;
    else if (text[pos] === delimiter) return pos;
  }
  return undefined;
}

/**
 * A run starting with a name character, `:` or `[`. The candidates (simple name, dotted
 * name, into name, number, duration, keyword) all start here; the longest wins and ties
 * go to the earlier rule of the §2.2 table.
 */
function wordAt(text: string, pos: number): { name: TokenName; end: number } {
  const lower = text.slice(pos, pos + 18).toLowerCase();
  for (const [words, name] of MULTI_WORD) {
    if (lower.startsWith(words)) return { name, end: pos + words.length };
  }
  const intoEnd = spanWhile(text, pos, (ch) => INTO_CHAR.test(ch));
  const startsName = NAME_CHAR.test(text[pos]!);
  const tableEnd = startsName ? spanWhile(text, pos, (ch) => TABLE_CHAR.test(ch)) : pos;
  if (intoEnd > tableEnd) return { name: 'INTO_NAME', end: intoEnd };
  const word = text.slice(pos, tableEnd);
  const simpleEnd = spanWhile(text, pos, (ch) => NAME_CHAR.test(ch));
  if (tableEnd > simpleEnd) {
    if (DURATION.test(word)) return { name: 'DURATION', end: tableEnd };
    return { name: FLOAT.test(word) ? 'FLOAT_VALUE' : 'TABLE_NAME', end: tableEnd };
  }
  if (/^\d+$/.test(word)) return { name: 'INT_VALUE', end: tableEnd };
  if (DURATION.test(word)) return { name: 'DURATION', end: tableEnd };
  return { name: KEYWORDS.get(word.toLowerCase()) ?? 'SIMPLE_NAME', end: tableEnd };
}

function spanWhile(text: string, pos: number, accept: (ch: string) => boolean): number {
  let end = pos;
  while (end < text.length && accept(text[end]!)) end += 1;
  return end;
}

/*
 * The grammar runs over a string holding one private-use character per token, so that
 * ohm sees each token as a single input position.
 */
const CODE_BASE = 0xe000;
const CODES: ReadonlyMap<TokenName, string> = new Map(TOKEN_NAMES.map((name, i) => [name, String.fromCharCode(CODE_BASE + i)]));

export function tokenCode(name: TokenName): string {
  return CODES.get(name)!;
}

export function tokenCodes(tokens: readonly Token[]): string {
  return tokens.map((token) => tokenCode(token.name)).join('');
}
