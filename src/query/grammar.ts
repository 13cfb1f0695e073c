import * as ohm from 'ohm-js';
import { TOKEN_NAMES, tokenCode, type TokenName } from './tokens.js';

/*
 * The InfluxDB 0.8 query grammar (query-language.md §3) as an ohm grammar over tokens.
 *
 * Like 0.8 (flex + bison), lexing and parsing are separate: tokens.ts turns the text into
 * tokens, and this grammar matches the string of their one-character codes. Token names
 * are written in upper case below and replaced by their code literals when the grammar is
 * built. All rules are lexical (lower-case) because the token string has no whitespace
 * to skip; that, and the inlined terminals, halve ohm's matching time.
 */
const grammarSource = String.raw`
InfluxQuery {
  query = statement (SEMICOLON statement)* SEMICOLON? end

  statement = explainStmt | selectStmt | deleteStmt | dropSeriesStmt | dropCqStmt
            | listCqStmt | listSeriesStmt

  selectStmt = SELECT valueList fromClause whereGroup? orderLimit? intoClause?
  explainStmt = EXPLAIN selectStmt
  deleteStmt = DELETE fromClause whereClause?
  dropSeriesStmt = DROP_SERIES tableName
  dropCqStmt = DROP CONTINUOUS_QUERY INT_VALUE
  listCqStmt = LIST CONTINUOUS_QUERIES
  listSeriesStmt = LIST SERIES regex? ignored*   // 0.8 ignored whatever followed...
  ignored = ~UNKNOWN any                          // ...but an unterminated regex is an error

  fromClause = FROM fromTarget
  fromTarget = joinSide INNER JOIN joinSide   -- join
             | tableName MERGE tableName       -- merge
             | tableName (COMMA tableName)*    -- list
             | regex                           -- regex
  joinSide = tableName alias?
  alias = AS SIMPLE_NAME
  tableName = TABLE_NAME | SIMPLE_NAME
  regex = REGEX_STRING | INSENSITIVE_REGEX_STRING

  whereGroup = groupByClause whereClause?  -- groupFirst
             | whereClause groupByClause?  -- whereFirst
  whereClause = WHERE condition
  groupByClause = GROUP BY valueList functionCall?
  orderLimit = orderClause limitClause?  -- orderFirst
             | limitClause orderClause?  -- limitFirst
  orderClause = ORDER (ASC | DESC)
  limitClause = LIMIT INT_VALUE
  intoClause = INTO (INTO_NAME | TABLE_NAME | SIMPLE_NAME) functionCall?

  // Chains are iterations, folded left-associatively by the semantics, so that a long
  // "a = 1 or a = 2 or ..." does not nest the parse tree one level per term.
  condition = andCondition (OR andCondition)*
  andCondition = boolExpr (AND boolExpr)*
  boolExpr = value compOp value                               -- comparison
           | value OPERATION_IN LPAREN valueList RPAREN       -- in
           | value (REGEX_OP | NEGATION_REGEX_OP) regex       -- regex
           | LPAREN condition RPAREN                          -- paren
           | value                                            -- bare
  compOp = OPERATION_EQUAL | OPERATION_NE | OPERATION_LT | OPERATION_GT | OPERATION_LE
         | OPERATION_GE

  valueList = value (COMMA value)*
  value = term ((PLUS | MINUS) term)*
  term = primary ((STAR | SLASH) primary)*
  primary = functionCall alias?                           -- call
          | LPAREN value RPAREN alias?                    -- paren
          | MINUS? (INT_VALUE | FLOAT_VALUE | DURATION)   -- number
          | STRING_VALUE                                  -- string
          | BOOLEAN_VALUE                                 -- bool
          | tableName                                     -- identifier
          | STAR                                          -- wildcard
  functionCall = SIMPLE_NAME LPAREN valueList? RPAREN
}
`;

/** Names used in the grammar for the tokens whose display names are quoted characters. */
const PUNCTUATION: Partial<Record<TokenName, string>> = {
  "'+'": 'PLUS', "'-'": 'MINUS', "'*'": 'STAR', "'/'": 'SLASH', "';'": 'SEMICOLON',
  "','": 'COMMA', "'('": 'LPAREN', "')'": 'RPAREN',
};

const TOKEN_LITERALS: ReadonlyMap<string, string> = new Map(
  TOKEN_NAMES.map((name) => [PUNCTUATION[name] ?? name, `"${tokenCode(name)}"`]),
);

let grammar: ohm.Grammar | undefined;

/**
 * The grammar, built on first use: building it parses the source above with ohm's own
 * grammar, about 120 ms of CPU, which threads that never parse a query (the parse threads
 * import it only for database users' permissions) should not pay at every start.
 */
export function queryGrammar(): ohm.Grammar {
  return (grammar ??= ohm.grammar(grammarSource.replace(/\b[A-Z][A-Z_]+\b/g, (word) => TOKEN_LITERALS.get(word) ?? word)));
}
