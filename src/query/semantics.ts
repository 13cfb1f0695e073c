import type { ActionDict, MatchResult, Node, Semantics } from 'ohm-js';
import type {
  ArithmeticOperator,
  ComparisonOperator,
  Condition,
  DurationUnit,
  FromClause,
  FunctionCall,
  GroupByClause,
  IntoClause,
  JoinSide,
  RegexLiteral,
  SelectStatement,
  Statement,
  Value,
} from './ast.js';
import { backfillFlag, fillArgument, groupByTimeNanoseconds } from './clause-checks.js';
import { parseDuration } from './durations.js';
import { QuerySemanticError, TimeFunctionError } from './errors.js';
import { queryGrammar } from './grammar.js';
import { compileSeriesRegex } from '../regex.js';
import type { Token, TokenName } from './tokens.js';

/*
 * Turns ohm's concrete syntax tree into the typed AST of ast.ts. One ohm operation per
 * AST category; the typed helpers below are the only places that read an operation's
 * (untyped) result. The §4 checks run here so that an AST always holds checked clauses.
 */

/**
 * The tokens of the query being converted. The grammar matched one code character per
 * token, so a node's start offset is the index of its first token. Conversion is
 * synchronous, so one module-level slot is enough.
 */
let current: { readonly text: string; readonly tokens: readonly Token[] } = { text: '', tokens: [] };

const tokenOf = (node: Node): Token => current.tokens[node.source.startIdx]!;
const textOf = (node: Node): string => tokenOf(node).text;

/** The query text a node spans, as written. */
function sourceOf(node: Node): string {
  const first = current.tokens[node.source.startIdx]!;
  const last = current.tokens[node.source.endIdx - 1]!;
  return current.text.slice(first.start, last.end);
}

/** Parts of a select that may come in either order (`where`/`group by`, `order`/`limit`). */
interface SelectParts {
  where?: Condition;
  groupBy?: GroupByClause;
  order?: 'asc' | 'desc';
  limit?: number;
}

const statementOf = (node: Node): Statement => node['statement']() as Statement;
const selectOf = (node: Node): SelectStatement => node['select']() as SelectStatement;
const partsOf = (node: Node): SelectParts => node['parts']() as SelectParts;
const fromOf = (node: Node): FromClause => node['from']() as FromClause;
const joinSideOf = (node: Node): JoinSide => node['joinSide']() as JoinSide;
const intoOf = (node: Node): IntoClause => node['into']() as IntoClause;
const conditionOf = (node: Node): Condition => node['condition']() as Condition;
const valueOf = (node: Node): Value => node['value']() as Value;
const valuesOf = (list: Node): Value[] => list['values']() as Value[];
const callOf = (node: Node): FunctionCall => node['call']() as FunctionCall;

/** `first (separator item)*` as a list of items. */
const chainOf = <T>(first: Node, rest: Node, read: (item: Node) => T): T[] => [read(first), ...rest.children.map(read)];

/** An optional (`x?`) node: its single child, if present. */
const optionalOf = <T>(node: Node, read: (present: Node) => T): T | undefined => {
  const [present] = node.children;
  return present === undefined ? undefined : read(present);
};

/** `\"` is a quote; any other backslash is dropped (0.8: `"a\b"` is `ab`). */
function nameOf(node: Node): string {
  const text = textOf(node);
  return text.startsWith('"') ? text.slice(1, -1).replace(/\\([\s\S])/g, '$1') : text;
}

const aliasOf = (optionalAlias: Node): { alias?: string } => {
  const alias = optionalOf(optionalAlias, (node) => nameOf(node.child(1)));
  return alias === undefined ? {} : { alias };
};

/** `/body/` or `/body/i`; in the body `\/` stands for `/`, other escapes are the engine's (§2.8). */
function regexOf(node: Node): RegexLiteral {
  const token = tokenOf(node);
  const caseInsensitive = token.name === 'INSENSITIVE_REGEX_STRING';
  const body = token.text.slice(1, caseInsensitive ? -2 : -1);
  const pattern = body.replace(/\\([\s\S])/g, (escape, char: string) => (char === '/' ? '/' : escape));
  compileSeriesRegex(pattern, caseInsensitive);
  return { pattern, caseInsensitive };
}

/** The operations below, added to the grammar's semantics when a query is first parsed. */
const operations: ((semantics: Semantics) => void)[] = [];
let semantics: Semantics | undefined;

function operation<T>(name: string, actions: ActionDict<T>): void {
  operations.push((target) => target.addOperation<T>(name, actions));
}

function querySemantics(): Semantics {
  if (semantics === undefined) {
    semantics = queryGrammar().createSemantics();
    for (const add of operations) add(semantics);
  }
  return semantics;
}

operation<Statement[]>('statements', {
  query(first, _separators, rest, _trailingSeparator, _end) {
    return chainOf(first, rest, statementOf);
  },
});

operation<Statement>('statement', {
  explainStmt(_explain, select) {
    return { kind: 'explain', select: selectOf(select) };
  },
  deleteStmt(_delete, from, where) {
    const condition = optionalOf(where, partsOf)?.where;
    return { kind: 'delete', from: fromOf(from), ...(condition === undefined ? {} : { where: condition }) };
  },
  dropSeriesStmt(_dropSeries, name) {
    return { kind: 'dropSeries', name: nameOf(name) };
  },
  dropCqStmt(_drop, _continuousQuery, id) {
    return { kind: 'dropContinuousQuery', id: Number(textOf(id)) };
  },
  listCqStmt(_list, _continuousQueries) {
    return { kind: 'listContinuousQueries' };
  },
  listSeriesStmt(_list, _series, regex, _ignored) {
    const literal = optionalOf(regex, regexOf);
    return { kind: 'listSeries', ...(literal === undefined ? {} : { regex: literal }) };
  },
  selectStmt(_select, _values, _from, _whereGroup, _orderLimit, _into) {
    return selectOf(this);
  },
});

operation<SelectStatement>('select', {
  selectStmt(_select, values, from, whereGroup, orderLimit, into) {
    const intoClause = optionalOf(into, intoOf);
    let parts: SelectParts;
    try {
      parts = { ...optionalOf(whereGroup, partsOf), ...optionalOf(orderLimit, partsOf) };
    } catch (err) {
      // continuous-queries.md §2: a CQ's bad time(...) has its own message.
      if (intoClause === undefined || !(err instanceof TimeFunctionError)) throw err;
      throw new QuerySemanticError(`Couldn't get group by time for continuous query: ${err.message}`);
    }
    return {
      kind: 'select',
      values: valuesOf(values),
      from: fromOf(from),
      ...(parts.where === undefined ? {} : { where: parts.where }),
      ...(parts.groupBy === undefined ? {} : { groupBy: parts.groupBy }),
      order: parts.order ?? 'desc',
      limit: parts.limit ?? 0,
      ...(intoClause === undefined ? {} : { into: intoClause }),
    };
  },
});

operation<SelectParts>('parts', {
  whereGroup_groupFirst(groupBy, where) {
    return { ...partsOf(groupBy), ...optionalOf(where, partsOf) };
  },
  whereGroup_whereFirst(where, groupBy) {
    return { ...partsOf(where), ...optionalOf(groupBy, partsOf) };
  },
  whereClause(_where, condition) {
    return { where: conditionOf(condition) };
  },
  groupByClause(_group, _by, values, trailingCall) {
    const list = valuesOf(values);
    groupByTimeNanoseconds(list);
    const fill = optionalOf(trailingCall, (call) => fillArgument(callOf(call)));
    return { groupBy: fill === undefined ? { values: list } : { values: list, fill } };
  },
  orderLimit_orderFirst(order, limit) {
    return { ...partsOf(order), ...optionalOf(limit, partsOf) };
  },
  orderLimit_limitFirst(limit, order) {
    return { ...partsOf(limit), ...optionalOf(order, partsOf) };
  },
  orderClause(_order, direction) {
    return { order: tokenOf(direction).name === 'ASC' ? 'asc' : 'desc' };
  },
  limitClause(_limit, count) {
    return { limit: Number(textOf(count)) };
  },
});

operation<IntoClause>('into', {
  intoClause(_into, target, trailingCall) {
    const backfill = optionalOf(trailingCall, (call) => backfillFlag(callOf(call)));
    return { target: nameOf(target), backfill: backfill ?? true };
  },
});

operation<FromClause>('from', {
  fromClause(_from, target) {
    return fromOf(target);
  },
  fromTarget_join(left, _inner, _join, right) {
    return { kind: 'join', left: joinSideOf(left), right: joinSideOf(right) };
  },
  fromTarget_merge(left, _merge, right) {
    return { kind: 'merge', left: nameOf(left), right: nameOf(right) };
  },
  fromTarget_list(first, _commas, rest) {
    return { kind: 'series', names: chainOf(first, rest, nameOf) };
  },
  fromTarget_regex(regex) {
    return { kind: 'regex', ...regexOf(regex) };
  },
});

operation<JoinSide>('joinSide', {
  joinSide(name, alias) {
    return { name: nameOf(name), ...aliasOf(alias) };
  },
});

const COMPARISON_OPERATORS: Partial<Record<TokenName, ComparisonOperator>> = {
  OPERATION_EQUAL: '=', OPERATION_NE: '<>', OPERATION_LT: '<', OPERATION_GT: '>', OPERATION_LE: '<=', OPERATION_GE: '>=',
};

operation<Condition>('condition', {
  condition(first, _ors, rest) {
    return balancedChain('or', [conditionOf(first), ...rest.children.map(conditionOf)]);
  },
  andCondition(first, _ands, rest) {
    return balancedChain('and', [conditionOf(first), ...rest.children.map(conditionOf)]);
  },
  boolExpr_comparison(left, op, right) {
    // `!=` and `<>` are both OPERATION_NE (`!=` is a Project rule synonym, §11.1).
    return { kind: 'comparison', op: COMPARISON_OPERATORS[tokenOf(op).name]!, left: valueOf(left), right: valueOf(right) };
  },
  boolExpr_in(value, _in, _open, list, _close) {
    return { kind: 'in', value: valueOf(value), list: valuesOf(list) };
  },
  boolExpr_regex(value, op, regex) {
    return { kind: 'regex', value: valueOf(value), negated: tokenOf(op).name === 'NEGATION_REGEX_OP', regex: regexOf(regex) };
  },
  boolExpr_paren(_open, condition, _close) {
    return { kind: 'paren', condition: conditionOf(condition) };
  },
  boolExpr_bare(value) {
    return { kind: 'value', value: valueOf(value), text: sourceOf(value) };
  },
});

operation<Value[]>('values', {
  valueList(first, _commas, rest) {
    return chainOf(first, rest, valueOf);
  },
});

operation<Value>('value', {
  value(first, operators, rest) {
    return arithmeticChain(first, operators, rest);
  },
  term(first, operators, rest) {
    return arithmeticChain(first, operators, rest);
  },
  primary_call(call, alias) {
    return { ...callOf(call), ...aliasOf(alias) };
  },
  primary_paren(_open, value, _close, alias) {
    return { kind: 'paren', value: valueOf(value), ...aliasOf(alias) };
  },
  primary_number(minus, number) {
    return numberLiteral(tokenOf(number), minus.numChildren > 0);
  },
  primary_string(string) {
    return { kind: 'string', value: textOf(string).slice(1, -1) };
  },
  primary_bool(bool) {
    const text = textOf(bool);
    return { kind: 'bool', value: text.toLowerCase() === 'true', text };
  },
  primary_identifier(name) {
    return { kind: 'identifier', name: nameOf(name) };
  },
  primary_wildcard(_star) {
    return { kind: 'wildcard' };
  },
});

/**
 * `a or b or c or d` as `(a or b) or (c or d)`: the same truth whatever the grouping, and a
 * tree as deep as the logarithm of its terms. Folded left, a permission's `customer = 1 or
 * customer = 2 or …` of 6000 terms was a tree 6000 deep, which overflowed the stack of code
 * walking it and took structured cloning (to a parse or shard thread) tens of seconds.
 */
function balancedChain(kind: 'or' | 'and', terms: readonly Condition[], from = 0, to = terms.length): Condition {
  if (to - from === 1) return terms[from]!;
  // Rounded up, so three terms still group as `(a or b) or c`, as they always did.
  const middle = (from + to + 1) >>> 1;
  return { kind, left: balancedChain(kind, terms, from, middle), right: balancedChain(kind, terms, middle, to) };
}

const ARITHMETIC_OPERATORS: Partial<Record<TokenName, ArithmeticOperator>> = {
  "'+'": '+', "'-'": '-', "'*'": '*', "'/'": '/',
};

/** `a - b + c` is `(a - b) + c`: every operator is left-associative. */
function arithmeticChain(first: Node, operators: Node, rest: Node): Value {
  return rest.children.reduce<Value>(
    (left, right, i) => ({ kind: 'binary', op: ARITHMETIC_OPERATORS[tokenOf(operators.child(i)).name]!, left, right: valueOf(right) }),
    valueOf(first),
  );
}

/** A leading `-` token makes a negative literal (§2.6: `-1`, `-1.5`, `-1h`; `- 1` too). */
function numberLiteral(token: Token, negative: boolean): Value {
  const text = negative ? `-${token.text}` : token.text;
  if (token.name === 'INT_VALUE') {
    // §2.6: ints are int64. A wider one would wrap in arithmetic but compare unwrapped in a where clause.
    const value = BigInt(text);
    if (BigInt.asIntN(64, value) !== value) throw new QuerySemanticError(`Integer literal ${text} is out of the int64 range`);
    return { kind: 'int', value, text };
  }
  if (token.name === 'FLOAT_VALUE') return { kind: 'float', value: Number(text), text };
  const duration = parseDuration(text)!;
  return { kind: 'duration', nanoseconds: duration.nanoseconds, unit: duration.unit as DurationUnit, text };
}

operation<FunctionCall>('call', {
  functionCall(name, _open, args, _close) {
    return { kind: 'call', name: nameOf(name), args: optionalOf(args, valuesOf) ?? [] };
  },
});

/** Every `;`-separated statement of a successful match over `tokens`, checked (§4). */
export function statementsOf(match: MatchResult, text: string, tokens: readonly Token[]): Statement[] {
  current = { text, tokens };
  try {
    return querySemantics()(match)['statements']() as Statement[];
  } finally {
    current = { text: '', tokens: [] };
  }
}
