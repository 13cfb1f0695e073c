import type { Expression, OutputColumn } from '../engine/arithmetic.js';
import type { FunctionCall, Value } from './ast.js';
import { QuerySemanticError } from './errors.js';

/**
 * What a function call inside arithmetic becomes. A raw arithmetic select has no rows to
 * aggregate, so it refuses (§8 Project rule); arithmetic between aggregates
 * (`mean(a) / count(a)`) passes a leaf that names the column holding that aggregate's output.
 */
export type CallLeaf = (call: FunctionCall) => Expression;

export const refuseCalls: CallLeaf = () => {
  throw new QuerySemanticError('Cannot use aggregate functions in arithmetic expressions');
};

/**
 * §8: one output column per select item that is a column name or an expression, in
 * select-list order; an expression is named by its alias, else `expr<i>` with i its 0-based
 * position in the list. `*` items, `time` and `sequence_number` add nothing (every row
 * carries those already).
 */
export function arithmeticOutputs(values: readonly Value[], call: CallLeaf = refuseCalls): OutputColumn[] {
  const outputs: OutputColumn[] = [];
  values.forEach((value, index) => {
    if (value.kind === 'wildcard') return;
    if (value.kind === 'identifier') {
      if (value.name !== 'time' && value.name !== 'sequence_number') outputs.push({ name: value.name, expression: expressionOf(value, call) });
      return;
    }
    const alias = value.kind === 'paren' || value.kind === 'call' ? value.alias : undefined;
    outputs.push({ name: alias ?? `expr${index}`, expression: expressionOf(value, call) });
  });
  return outputs;
}

export function expressionOf(value: Value, call: CallLeaf = refuseCalls): Expression {
  switch (value.kind) {
    case 'identifier':
      return { kind: 'column', name: value.name };
    case 'int':
      return { kind: 'constant', value: value.value };
    case 'float':
      return { kind: 'constant', value: value.value };
    case 'duration':
      // Durations are microseconds wherever a query computes with time (row-filter.ts too).
      return { kind: 'constant', value: value.nanoseconds / 1000n };
    case 'string':
      return { kind: 'constant', value: value.value };
    case 'bool':
      return { kind: 'constant', value: value.value };
    case 'paren':
      return expressionOf(value.value, call);
    case 'binary':
      return { kind: 'binary', op: value.op, left: expressionOf(value.left, call), right: expressionOf(value.right, call) };
    case 'call':
      return call(value);
    case 'wildcard':
      return { kind: 'constant', value: null };
  }
}
