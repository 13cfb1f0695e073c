import type { Expression, OutputColumn } from '../engine/arithmetic.js';
import type { FunctionCall, Value } from './ast.js';

/**
 * What a function call inside arithmetic becomes: arithmetic between aggregates
 * (`mean(a) / count(a)`) passes a leaf that names the cell holding that aggregate's output.
 */
export type CallLeaf = (call: FunctionCall) => Expression;

/** A select with a call anywhere is an aggregate (planner.ts selectMode): raw arithmetic never meets one. */
const noCalls: CallLeaf = (call) => {
  throw new Error(`function ${call.name}() reached a raw arithmetic select`);
};

/**
 * §8: one output column per select item that is a column name or an expression, in
 * select-list order; an expression is named by its alias, else `expr<i>` with i its 0-based
 * position in the list. `*` items, `time` and `sequence_number` add nothing (every row
 * carries those already).
 */
export function arithmeticOutputs(values: readonly Value[]): OutputColumn[] {
  const outputs: OutputColumn[] = [];
  values.forEach((value, index) => {
    if (value.kind === 'wildcard') return;
    if (value.kind === 'identifier') {
      if (value.name !== 'time' && value.name !== 'sequence_number') outputs.push({ name: value.name, expression: expressionOf(value) });
      return;
    }
    const alias = value.kind === 'paren' || value.kind === 'call' ? value.alias : undefined;
    outputs.push({ name: alias ?? `expr${index}`, expression: expressionOf(value) });
  });
  return outputs;
}

/** What a column name becomes: a column leaf, unless the caller refuses columns. */
export type ColumnLeaf = (name: string) => Expression;

const columnLeaf: ColumnLeaf = (name) => ({ kind: 'column', name });

export function expressionOf(value: Value, call: CallLeaf = noCalls, column: ColumnLeaf = columnLeaf): Expression {
  switch (value.kind) {
    case 'identifier':
      return column(value.name);
    case 'int':
      return { kind: 'constant', value: value.value };
    case 'float':
      return { kind: 'constant', value: value.value };
    case 'duration':
      // Durations are int microseconds wherever a query computes with time (where-filter.ts reads time so too).
      return { kind: 'constant', value: value.nanoseconds / 1000n };
    case 'string':
      return { kind: 'constant', value: value.value };
    case 'bool':
      return { kind: 'constant', value: value.value };
    case 'paren':
      return expressionOf(value.value, call, column);
    case 'binary':
      return { kind: 'binary', op: value.op, left: expressionOf(value.left, call, column), right: expressionOf(value.right, call, column) };
    case 'call':
      return call(value);
    case 'wildcard':
      return { kind: 'constant', value: null };
  }
}
