import * as ohm from 'ohm-js';

/*
 * The InfluxDB 0.8 query language as an ohm grammar (spec: query-language.md §2, §3).
 *
 * 0.8 used a flex lexer with longest-match tokens; ohm is scannerless, so every lexical
 * rule below ends with a lookahead that refuses to match when a longer token would start
 * at the same place (`a-b` and `cpu.load` are one name, `fromm` is not `from`, `1h` is a
 * duration but `1hx` a name). tokens.ts mirrors these rules to name tokens in syntax
 * errors; keep the two in step.
 *
 * The source lives in a .ts module because tsc does not copy .ohm files into dist/.
 */
export const grammarSource = String.raw`
InfluxQuery {
  Query = Statement (";" Statement)* ";"? end

  Statement = ExplainStmt | SelectStmt | DeleteStmt | DropSeriesStmt | DropCqStmt
            | ListCqStmt | ListSeriesStmt

  SelectStmt = kwSelect ValueList FromClause WhereGroup? OrderLimit? IntoClause?
  ExplainStmt = kwExplain SelectStmt
  DeleteStmt = kwDelete FromClause WhereClause?
  DropSeriesStmt = dropSeries tableName
  DropCqStmt = kwDrop continuousQuery intLit
  ListCqStmt = kwList continuousQueries
  ListSeriesStmt = kwList kwSeries regexLit? ignoredRest

  FromClause = kwFrom FromTarget
  FromTarget = JoinSide kwInner kwJoin JoinSide  -- join
             | tableName kwMerge tableName        -- merge
             | NonemptyListOf<tableName, ",">     -- list
             | regexLit                           -- regex
  JoinSide = tableName Alias?
  Alias = kwAs simpleName

  WhereGroup = GroupByClause WhereClause?  -- groupFirst
             | WhereClause GroupByClause?  -- whereFirst
  WhereClause = kwWhere Condition
  GroupByClause = kwGroup kwBy ValueList FunctionCall?
  OrderLimit = OrderClause LimitClause?  -- orderFirst
             | LimitClause OrderClause?  -- limitFirst
  OrderClause = kwOrder (kwAsc | kwDesc)
  LimitClause = kwLimit intLit
  IntoClause = kwInto intoTarget FunctionCall?

  // Chains are iterations, folded left-associatively by the semantics: a long
  // "a = 1 or a = 2 or ..." must not nest the parse tree one level per term.
  Condition = AndCondition (kwOr AndCondition)*
  AndCondition = BoolExpr (kwAnd BoolExpr)*
  BoolExpr = Value compOp Value              -- comparison
           | Value kwIn "(" ValueList ")"    -- in
           | Value regexOp regexLit          -- regex
           | "(" Condition ")"               -- paren
           | Value                           -- bare

  ValueList = NonemptyListOf<Value, ",">
  Value = Term (("+" | "-") Term)*
  Term = Primary (("*" | "/") Primary)*
  Primary = FunctionCall Alias?   -- call
          | "(" Value ")" Alias?  -- paren
          | "-"? number           -- number
          | stringLit
          | boolLit
          | tableName             -- identifier
          | "*"                   -- wildcard
  FunctionCall = simpleName "(" ListOf<Value, ","> ")"

  compOp = "<>" | "<=" | ">=" | "!=" | "=" ~"~" | "<" | ">"
  regexOp = "=~" | "!~"

  nameChar = "a".."z" | "A".."Z" | "0".."9" | "_"
  tableChar = nameChar | "." | "-"
  intoChar = tableChar | ":" | "[" | "]"
  intoStart = nameChar | ":" | "["

  kwAnd = caseInsensitive<"and"> ~intoChar
  kwAs = caseInsensitive<"as"> ~intoChar
  kwAsc = caseInsensitive<"asc"> ~intoChar
  kwBy = caseInsensitive<"by"> ~intoChar
  kwDelete = caseInsensitive<"delete"> ~intoChar
  kwDesc = caseInsensitive<"desc"> ~intoChar
  kwDrop = ~dropSeries caseInsensitive<"drop"> ~intoChar
  kwExplain = caseInsensitive<"explain"> ~intoChar
  kwFrom = caseInsensitive<"from"> ~intoChar
  kwGroup = caseInsensitive<"group"> ~intoChar
  kwIn = caseInsensitive<"in"> ~intoChar
  kwInner = caseInsensitive<"inner"> ~intoChar
  kwInto = caseInsensitive<"into"> ~intoChar
  kwJoin = caseInsensitive<"join"> ~intoChar
  kwLimit = caseInsensitive<"limit"> ~intoChar
  kwList = caseInsensitive<"list"> ~intoChar
  kwMerge = caseInsensitive<"merge"> ~intoChar
  kwOr = caseInsensitive<"or"> ~intoChar
  kwOrder = caseInsensitive<"order"> ~intoChar
  kwSelect = caseInsensitive<"select"> ~intoChar
  kwSeries = caseInsensitive<"series"> ~intoChar
  kwWhere = caseInsensitive<"where"> ~intoChar

  // Multi-word tokens: exactly one space, and no boundary check because the flex rule
  // already was the longest match ("drop seriesx" lexes as DROP_SERIES + "x").
  dropSeries = caseInsensitive<"drop series">
  continuousQueries = caseInsensitive<"continuous queries">
  continuousQuery = ~continuousQueries caseInsensitive<"continuous query">

  reserved = kwAnd | kwAs | kwAsc | kwBy | kwDelete | kwDesc | kwDrop | kwExplain | kwFrom
           | kwGroup | kwIn | kwInner | kwInto | kwJoin | kwLimit | kwList | kwMerge | kwOr
           | kwOrder | kwSelect | kwSeries | kwWhere | boolLit | dropSeries
           | continuousQuery | continuousQueries

  simpleName = quotedName | bareName
  bareName = ~reserved ~intLit ~durationLit nameChar+ ~intoChar
  tableNameTok = ~reserved ~floatLit ~durationLit &(nameChar+ ("." | "-")) nameChar tableChar* ~intoChar
  intoNameTok = ~reserved &(tableChar* (":" | "[" | "]")) intoStart intoChar*
  tableName = tableNameTok | simpleName
  intoTarget = intoNameTok | tableName

  quotedName = "\"" quotedChar* "\""
  quotedChar = "\\" any    -- escaped
             | ~"\"" any   -- plain
  stringLit = "'" (~"'" any)* "'"

  number = durationLit | floatLit | intLit
  intLit = digit+ ~intoChar
  floatLit = digit+ "." digit* ~intoChar  -- digitStart
           | "." digit+ ~unit             -- dotStart
  durationLit = digit+ ("." digit*)? unit ~intoChar  -- digitStart
              | "." digit+ unit                       -- dotStart
  unit = caseInsensitive<"ms"> | caseInsensitive<"u"> | caseInsensitive<"s">
       | caseInsensitive<"m"> | caseInsensitive<"h"> | caseInsensitive<"d">
       | caseInsensitive<"w"> | caseInsensitive<"y">
  boolLit = (caseInsensitive<"true"> | caseInsensitive<"false">) ~intoChar

  regexLit = "/" regexChar* "/" ("i" | "I")?
  regexChar = "\\" any  -- escaped
            | ~"/" any  -- plain

  // 0.8 silently ignored whatever follows "list series [/regex/]".
  ignoredRest = any*

  // A line feed is skipped like a space; a carriage return is a syntax error.
  space := " " | "\t" | "\n"
}
`;

export const queryGrammar: ohm.Grammar = ohm.grammar(grammarSource);
