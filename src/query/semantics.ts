import type { MatchResult, Node } from 'ohm-js';
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
import { queryGrammar } from './grammar.js';
import { compileSeriesRegex } from './regex.js';

/*
 * Turns ohm's concrete syntax tree into the typed AST of ast.ts. One ohm operation per
 * AST category; the typed helpers below are the only places that read an operation's
 * (untyped) result. The §4 checks run here so that an AST always holds checked clauses.
 */

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
const conditionOf = (node: Node): Condition => node['condition']() as Condition;
const valueOf = (node: Node): Value => node['value']() as Value;
const callOf = (node: Node): FunctionCall => node['call']() as FunctionCall;
const nameOf = (node: Node): string => node['name']() as string;
const regexOf = (node: Node): RegexLiteral => node['regex']() as RegexLiteral;
const intoOf = (node: Node): IntoClause => node['into']() as IntoClause;

const listOf = <T>(node: Node, each: (item: Node) => T): T[] => node.asIteration().children.map(each);

/** An optional (`x?`) node: its single child, if present. */
const optionalOf = <T>(node: Node, read: (present: Node) => T): T | undefined => {
  const [present] = node.children;
  return present === undefined ? undefined : read(present);
};

const aliasOf = (optionalAlias: Node): { alias?: string } => {
  const alias = optionalOf(optionalAlias, nameOf);
  return alias === undefined ? {} : { alias };
};

const semantics = queryGrammar.createSemantics();

semantics.addOperation<Statement>('statement', {
  ExplainStmt(_explain, select) {
    return { kind: 'explain', select: selectOf(select) };
  },
  DeleteStmt(_delete, from, where) {
    const condition = optionalOf(where, partsOf)?.where;
    return { kind: 'delete', from: fromOf(from), ...(condition === undefined ? {} : { where: condition }) };
  },
  DropSeriesStmt(_dropSeries, name) {
    return { kind: 'dropSeries', name: nameOf(name) };
  },
  DropCqStmt(_drop, _continuousQuery, id) {
    return { kind: 'dropContinuousQuery', id: Number(id.sourceString) };
  },
  ListCqStmt(_list, _continuousQueries) {
    return { kind: 'listContinuousQueries' };
  },
  ListSeriesStmt(_list, _series, regex, _ignored) {
    const literal = optionalOf(regex, regexOf);
    return { kind: 'listSeries', ...(literal === undefined ? {} : { regex: literal }) };
  },
  SelectStmt(_select, _values, _from, _whereGroup, _orderLimit, _into) {
    return selectOf(this);
  },
});

semantics.addOperation<SelectStatement>('select', {
  SelectStmt(_select, values, from, whereGroup, orderLimit, into) {
    const parts: SelectParts = { ...optionalOf(whereGroup, partsOf), ...optionalOf(orderLimit, partsOf) };
    const intoClause = optionalOf(into, intoOf);
    return {
      kind: 'select',
      values: listOf(values, valueOf),
      from: fromOf(from),
      ...(parts.where === undefined ? {} : { where: parts.where }),
      ...(parts.groupBy === undefined ? {} : { groupBy: parts.groupBy }),
      order: parts.order ?? 'desc',
      limit: parts.limit ?? 0,
      ...(intoClause === undefined ? {} : { into: intoClause }),
    };
  },
});

semantics.addOperation<SelectParts>('parts', {
  WhereGroup_groupFirst(groupBy, where) {
    return { ...partsOf(groupBy), ...optionalOf(where, partsOf) };
  },
  WhereGroup_whereFirst(where, groupBy) {
    return { ...partsOf(where), ...optionalOf(groupBy, partsOf) };
  },
  WhereClause(_where, condition) {
    return { where: conditionOf(condition) };
  },
  GroupByClause(_group, _by, values, trailingCall) {
    const list = listOf(values, valueOf);
    groupByTimeNanoseconds(list);
    const fill = optionalOf(trailingCall, (call) => fillArgument(callOf(call)));
    return { groupBy: fill === undefined ? { values: list } : { values: list, fill } };
  },
  OrderLimit_orderFirst(order, limit) {
    return { ...partsOf(order), ...optionalOf(limit, partsOf) };
  },
  OrderLimit_limitFirst(limit, order) {
    return { ...partsOf(limit), ...optionalOf(order, partsOf) };
  },
  OrderClause(_order, direction) {
    return { order: direction.sourceString.toLowerCase() === 'asc' ? 'asc' : 'desc' };
  },
  LimitClause(_limit, count) {
    return { limit: Number(count.sourceString) };
  },
});

semantics.addOperation<IntoClause>('into', {
  IntoClause(_into, target, trailingCall) {
    const backfill = optionalOf(trailingCall, (call) => backfillFlag(callOf(call)));
    return { target: nameOf(target), backfill: backfill ?? true };
  },
});

semantics.addOperation<FromClause>('from', {
  FromClause(_from, target) {
    return fromOf(target);
  },
  FromTarget_join(left, _inner, _join, right) {
    return { kind: 'join', left: joinSideOf(left), right: joinSideOf(right) };
  },
  FromTarget_merge(left, _merge, right) {
    return { kind: 'merge', left: nameOf(left), right: nameOf(right) };
  },
  FromTarget_list(names) {
    return { kind: 'series', names: listOf(names, nameOf) };
  },
  FromTarget_regex(regex) {
    return { kind: 'regex', ...regexOf(regex) };
  },
});

semantics.addOperation<JoinSide>('joinSide', {
  JoinSide(name, alias) {
    return { name: nameOf(name), ...aliasOf(alias) };
  },
});

semantics.addOperation<Condition>('condition', {
  Condition(first, _ors, rest) {
    return rest.children.reduce<Condition>((left, right) => ({ kind: 'or', left, right: conditionOf(right) }), conditionOf(first));
  },
  AndCondition(first, _ands, rest) {
    return rest.children.reduce<Condition>((left, right) => ({ kind: 'and', left, right: conditionOf(right) }), conditionOf(first));
  },
  BoolExpr_comparison(left, op, right) {
    const operator = op.sourceString === '!=' ? '<>' : (op.sourceString as ComparisonOperator);
    return { kind: 'comparison', op: operator, left: valueOf(left), right: valueOf(right) };
  },
  BoolExpr_in(value, _in, _open, list, _close) {
    return { kind: 'in', value: valueOf(value), list: listOf(list, valueOf) };
  },
  BoolExpr_regex(value, op, regex) {
    return { kind: 'regex', value: valueOf(value), negated: op.sourceString === '!~', regex: regexOf(regex) };
  },
  BoolExpr_paren(_open, condition, _close) {
    return { kind: 'paren', condition: conditionOf(condition) };
  },
  BoolExpr_bare(value) {
    return { kind: 'value', value: valueOf(value), text: value.sourceString };
  },
});

semantics.addOperation<Value>('value', {
  Value(first, operators, rest) {
    return arithmeticChain(first, operators, rest);
  },
  Term(first, operators, rest) {
    return arithmeticChain(first, operators, rest);
  },
  Primary_call(call, alias) {
    return { ...callOf(call), ...aliasOf(alias) };
  },
  Primary_paren(_open, value, _close, alias) {
    return { kind: 'paren', value: valueOf(value), ...aliasOf(alias) };
  },
  Primary_number(minus, number) {
    return numberLiteral(minus.sourceString + number.sourceString, number.child(0).ctorName);
  },
  Primary_identifier(name) {
    return { kind: 'identifier', name: nameOf(name) };
  },
  Primary_wildcard(_star) {
    return { kind: 'wildcard' };
  },
  stringLit(_open, body, _close) {
    return { kind: 'string', value: body.sourceString };
  },
  boolLit(word) {
    return { kind: 'bool', value: word.sourceString.toLowerCase() === 'true', text: word.sourceString };
  },
});

/** `a - b + c` is `(a - b) + c`: every operator is left-associative. */
function arithmeticChain(first: Node, operators: Node, rest: Node): Value {
  return rest.children.reduce<Value>(
    (left, right, i) => ({ kind: 'binary', op: operators.child(i).sourceString as ArithmeticOperator, left, right: valueOf(right) }),
    valueOf(first),
  );
}

/** `text` includes the optional leading minus (§2.6: `-1`, `-1.5`, `-1h` are literals). */
function numberLiteral(text: string, rule: string): Value {
  if (rule === 'intLit') return { kind: 'int', value: BigInt(text), text };
  if (rule === 'floatLit') return { kind: 'float', value: Number(text), text };
  const duration = parseDuration(text)!;
  return { kind: 'duration', nanoseconds: duration.nanoseconds, unit: duration.unit as DurationUnit, text };
}

semantics.addOperation<FunctionCall>('call', {
  FunctionCall(name, _open, args, _close) {
    return { kind: 'call', name: nameOf(name), args: listOf(args, valueOf) };
  },
});

semantics.addOperation<string>('name', {
  Alias(_as, name) {
    return nameOf(name);
  },
  tableName(name) {
    return nameOf(name);
  },
  simpleName(name) {
    return nameOf(name);
  },
  intoTarget(name) {
    return nameOf(name);
  },
  /** `\"` is a quote; any other backslash is dropped (0.8: `"a\b"` is `ab`). */
  quotedName(_open, body, _close) {
    return body.sourceString.replace(/\\([\s\S])/g, '$1');
  },
  _nonterminal() {
    return this.sourceString;
  },
});

semantics.addOperation<RegexLiteral>('regex', {
  regexLit(_open, body, _close, flag) {
    // `\/` stands for `/`; every other escape is the regex engine's business (§2.8).
    const pattern = body.sourceString.replace(/\\([\s\S])/g, (escape, char: string) => (char === '/' ? '/' : escape));
    const caseInsensitive = flag.sourceString !== '';
    compileSeriesRegex(pattern, caseInsensitive);
    return { pattern, caseInsensitive };
  },
});

semantics.addOperation<Statement[]>('statements', {
  Query(first, _separators, rest, _trailingSeparator, _end) {
    return [statementOf(first), ...rest.children.map(statementOf)];
  },
});

/** Every `;`-separated statement of a successful match, checked (§4). */
export function statementsOf(match: MatchResult): Statement[] {
  return semantics(match)['statements']() as Statement[];
}
