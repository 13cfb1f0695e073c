import { createRequire } from 'node:module';
import type * as Ohm from 'ohm-js';
import { QUERY_GRAMMAR_RECIPE } from './grammar-recipe.js';
import { TOKEN_NAMES, tokenCode, type TokenName } from './tokens.js';

/**
 * ohm's single-file build, about 20 ms to load against some 60 ms for its ES modules. Both
 * export makeRecipe and a grammar's toRecipe, which the type declarations leave out.
 */
const ohm = createRequire(import.meta.url)('ohm-js') as typeof Ohm & { makeRecipe(recipe: unknown): Ohm.Grammar };

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

  // Chains are iterations, which the semantics fold (and/or as balanced trees), so that a long
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

let grammar: Ohm.Grammar | undefined;

/**
 * The grammar, built on first use from its recipe (grammar-recipe.ts): ohm's own form of a
 * compiled grammar, which takes about 2 ms to load where compiling the source above takes
 * about 120 ms of CPU at every start.
 */
export function queryGrammar(): Ohm.Grammar {
  return (grammar ??= ohm.makeRecipe(QUERY_GRAMMAR_RECIPE));
}

/** The grammar compiled from its source, whose recipe grammar-recipe.ts must hold. */
export function queryGrammarRecipe(): string {
  const source = grammarSource.replace(/\b[A-Z][A-Z_]+\b/g, (word) => TOKEN_LITERALS.get(word) ?? word);
  return (ohm.grammar(source) as Ohm.Grammar & { toRecipe(): string }).toRecipe();
}
