import type { AggregateArgument } from '../engine/arguments.js';
import { resolveAggregate, type AggregateSpec } from '../engine/registry.js';
import type { CellSource, RowProjection } from '../engine/row-projection.js';
import { expressionOf } from './arithmetic-plan.js';
import type { FunctionCall, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';

/*
 * The select list of an aggregate select (functions.md §1, query-language.md §8): its
 * functions, and — when an item is arithmetic between functions and constants — how each
 * output cell is computed from the functions' cells.
 */

/** One function of the select list, as the shards rebuild it. */
export interface PlannedAggregate {
  readonly spec: AggregateSpec;
  /** What is evaluated for every input row (for count(f(x)), f's argument). */
  readonly argument: Value;
  /** Its output column(s), the alias applied. */
  readonly columns: readonly string[];
}

export interface AggregateSelectList {
  readonly aggregates: PlannedAggregate[];
  /** Only when an item is arithmetic: rows are projected from the aggregates' cells. */
  readonly projection: RowProjection | undefined;
  /** Output columns (before group-by columns). */
  readonly columns: string[];
}

/**
 * Function items give their own columns; an arithmetic item containing functions gives one
 * column, named by its alias (`(sum(v) * 2) as x`) or `expr<i>` (§8); other items (plain
 * columns, arithmetic without functions, literals) are ignored (functions.md §1).
 */
export function selectList(values: readonly Value[]): AggregateSelectList {
  const aggregates: PlannedAggregate[] = [];
  const sources: CellSource[] = [];
  const columns: string[] = [];
  const intCells: number[] = [];
  let cells = 0;
  let arithmetic = false;
  const add = (call: FunctionCall, alias: string | undefined): { from: number; planned: PlannedAggregate } => {
    const planned = plannedAggregate(call, alias);
    const from = cells;
    aggregates.push(planned);
    cells += planned.columns.length;
    // count's outputs are ints (functions.md §3), finished as JS numbers.
    if (planned.spec.name === 'count') intCells.push(from);
    if (planned.spec.name === 'histogram') intCells.push(from + 1);
    return { from, planned };
  };
  values.forEach((value, index) => {
    const call = asCall(value);
    if (call !== undefined) {
      const { from, planned } = add(call.call, call.alias);
      sources.push({ kind: 'cells', from, count: planned.columns.length });
      columns.push(...planned.columns);
      return;
    }
    if (!containsCall(value)) return;
    arithmetic = true;
    const expression = expressionOf(value, (inner) => {
      const { from, planned } = add(inner, undefined);
      if (planned.columns.length !== 1) throw new QuerySemanticError(`function ${inner.name}() cannot be used in arithmetic expressions`);
      return { kind: 'column', name: String(from) };
    }, columnOutsideCall);
    sources.push({ kind: 'expression', expression });
    columns.push((value.kind === 'paren' ? value.alias : undefined) ?? `expr${index}`);
  });
  return { aggregates, projection: arithmetic ? { sources, cells, intCells } : undefined, columns };
}

/** A column read outside any function has no single value per bucket. */
function columnOutsideCall(name: string): never {
  throw new QuerySemanticError(`Column ${name} must be inside an aggregate function in arithmetic with aggregates`);
}

/** A function item, possibly parenthesised, with the alias that names its output. */
function asCall(value: Value, alias?: string): { call: FunctionCall; alias: string | undefined } | undefined {
  if (value.kind === 'paren') return asCall(value.value, value.alias ?? alias);
  if (value.kind === 'call') return { call: value, alias: value.alias ?? alias };
  return undefined;
}

function plannedAggregate(value: FunctionCall, alias: string | undefined): PlannedAggregate {
  const call = { name: value.name, args: value.args.map(argumentOf), ...(alias ? { alias } : {}) };
  const { spec, columns } = resolveAggregate(call);
  return { spec, argument: evaluatedArgument(value), columns };
}

/** A function call anywhere in the item. */
export function containsCall(value: Value): boolean {
  if (value.kind === 'call') return true;
  if (value.kind === 'paren') return containsCall(value.value);
  if (value.kind === 'binary') return containsCall(value.left) || containsCall(value.right);
  return false;
}

/** The value fed to the function per row: its first argument, or for count(f(x)) f's (count(count(f(x))) too). */
function evaluatedArgument(call: FunctionCall): Value {
  const first = unwrap(call.args[0]!);
  return first.kind === 'call' ? evaluatedArgument(first) : first;
}

function unwrap(value: Value): Value {
  return value.kind === 'paren' ? unwrap(value.value) : value;
}

/** A syntax-tree value as the engine's registry describes arguments. */
export function argumentOf(value: Value): AggregateArgument {
  switch (value.kind) {
    case 'identifier':
      return { kind: 'column', name: value.name };
    case 'binary':
      return { kind: 'expression', operator: value.op };
    case 'int':
      return { kind: 'int', value: value.value, text: value.text };
    case 'float':
      return { kind: 'float', value: value.value, text: value.text };
    case 'wildcard':
      return { kind: 'wildcard' };
    case 'call':
      return { kind: 'call', name: value.name, args: value.args.map(argumentOf) };
    case 'paren':
      return argumentOf(value.value);
    case 'string':
      return { kind: 'other', text: value.value };
    case 'duration':
    case 'bool':
      return { kind: 'other', text: value.text };
  }
}
