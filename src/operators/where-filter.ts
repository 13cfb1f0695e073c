import { evaluate, type ColumnBlock, type Operand } from '../engine/arithmetic.js';
import { scalarAt, type Scalar } from '../engine/values.js';
import { allocateColumn, ValueKind, type Column } from '../storage/columns.js';
import type { BlockFilter, FilterBlock } from '../storage/series-snapshot.js';
import { byteOrder } from '../util/byte-order.js';
import { expressionOf } from '../query/arithmetic-plan.js';
import type { ComparisonOperator, Condition } from '../query/ast.js';
import { compileSeriesRegex } from '../regex.js';
import { compare } from '../query/row-filter.js';

/*
 * The where clause (query-language.md §7) over whole blocks: compiled once per query into a
 * function of a block's columns that answers a mask, one byte per row. Comparisons of a
 * column with a constant are tight loops over the column's kinds and value slots; strings
 * and regexes are decided once per distinct string of the block's table; operands that are
 * arithmetic are whole columns from the select-list evaluator (engine/arithmetic.ts), so a
 * where clause and a select list compute `a + 1h` alike. Raw scans, aggregate scans, merge
 * inputs and joined rows all select their rows through it.
 */

/** Sets `mask[i] = 1` for each row of [from, to) that passes; leaves the others as they are. */
type MaskNode = (block: ColumnBlock, mask: Uint8Array, from: number, to: number) => void;

export function compileWhere(condition: Condition): BlockFilter {
  const node = compileNode(condition);
  return (block, from, to) => {
    const mask = new Uint8Array(block.count);
    node(queryColumns(block), mask, from, to);
    return mask;
  };
}

/**
 * The block's columns as a query's expressions read them: stored columns by name, plus `time`
 * and `sequence_number` as int columns (microseconds; durations are microseconds too).
 */
export function queryColumns(block: FilterBlock): ColumnBlock {
  let time: Column | undefined;
  let seq: Column | undefined;
  return {
    count: block.count,
    column(name) {
      if (name === 'time') return (time ??= intColumn(name, block.time, block.count));
      if (name === 'sequence_number') return (seq ??= intColumn(name, block.seq, block.count));
      return block.column(name);
    },
  };
}

const TWO_TO_32 = 2 ** 32;

/** Integral doubles below 2^53 as an int column, written through the 32-bit halves (no BigInt per row). */
function intColumn(name: string, values: Float64Array, count: number): Column {
  const column = allocateColumn(name, count);
  const halves = new Int32Array(column.floats.buffer);
  column.kinds.fill(ValueKind.Int);
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    const high = Math.floor(value / TWO_TO_32);
    halves[2 * i] = value - high * TWO_TO_32;
    halves[2 * i + 1] = high;
  }
  return column;
}

function compileNode(condition: Condition): MaskNode {
  switch (condition.kind) {
    case 'and': {
      const left = compileNode(condition.left);
      const right = compileNode(condition.right);
      return (block, mask, from, to) => {
        const l = new Uint8Array(block.count);
        const r = new Uint8Array(block.count);
        left(block, l, from, to);
        right(block, r, from, to);
        for (let i = from; i < to; i++) mask[i] |= l[i]! & r[i]!;
      };
    }
    case 'or': {
      // A node only ever sets rows that pass, so both sides marking one mask is their union.
      const left = compileNode(condition.left);
      const right = compileNode(condition.right);
      return (block, mask, from, to) => {
        left(block, mask, from, to);
        right(block, mask, from, to);
      };
    }
    case 'paren':
      return compileNode(condition.condition);
    case 'comparison': {
      const left = expressionOf(condition.left);
      const right = expressionOf(condition.right);
      const op = condition.op;
      return (block, mask, from, to) => compareOperands(evaluate(left, block), op, evaluate(right, block), mask, from, to);
    }
    case 'in': {
      // §7.2 Project rule: a match with any type-compatible element.
      const value = expressionOf(condition.value);
      const list = condition.list.map((item) => expressionOf(item));
      return (block, mask, from, to) => {
        const operand = evaluate(value, block);
        for (const item of list) compareOperands(operand, '=', evaluate(item, block), mask, from, to);
      };
    }
    case 'regex': {
      const value = expressionOf(condition.value);
      const regex = compileSeriesRegex(condition.regex.pattern, condition.regex.caseInsensitive);
      const negated = condition.negated;
      return (block, mask, from, to) => {
        const operand = evaluate(value, block);
        const matches = (text: string): boolean => regex.test(text) !== negated;
        if (!('kinds' in operand)) {
          if (typeof operand.value === 'string' && matches(operand.value)) mask.fill(1, from, to);
          return;
        }
        // Left must be a string for both operators (§7.2); each distinct string is tested once.
        const decided = decideStrings(operand, from, to, (text) => (matches(text) ? 1 : 0));
        for (let i = from; i < to; i++) if (decided[i] === 1) mask[i] = 1;
      };
    }
    case 'value':
      // Refused by checkCondition before a query runs; matches nothing.
      return () => undefined;
  }
}

/** Which orders (less, equal, greater) each operator accepts. */
const ACCEPTS: Record<ComparisonOperator, Uint8Array> = {
  '=': Uint8Array.of(0, 1, 0),
  '<>': Uint8Array.of(1, 0, 1),
  '<': Uint8Array.of(1, 0, 0),
  '>': Uint8Array.of(0, 0, 1),
  '<=': Uint8Array.of(1, 1, 0),
  '>=': Uint8Array.of(0, 1, 1),
};

/** `5 < a` is `a > 5`. */
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = { '=': '=', '<>': '<>', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/** §7.2 between two operands, row by row only when both are columns. */
function compareOperands(left: Operand, op: ComparisonOperator, right: Operand, mask: Uint8Array, from: number, to: number): void {
  const leftColumn = 'kinds' in left;
  const rightColumn = 'kinds' in right;
  if (!leftColumn && !rightColumn) {
    if (compare(left.value, op, right.value)) mask.fill(1, from, to);
  } else if (leftColumn && !rightColumn) {
    compareWithConstant(left, op, right.value, mask, from, to);
  } else if (!leftColumn && rightColumn) {
    compareWithConstant(right, FLIPPED[op], left.value, mask, from, to);
  } else if (leftColumn && rightColumn) {
    for (let i = from; i < to; i++) if (compare(scalarAt(left, i), op, scalarAt(right, i))) mask[i] = 1;
  }
}

/** §7.2 of each row of `column` against one value, a loop per type of that value. */
function compareWithConstant(column: Column, op: ComparisonOperator, value: Scalar, mask: Uint8Array, from: number, to: number): void {
  const accepts = ACCEPTS[op];
  if (typeof value === 'number' || typeof value === 'bigint') return compareNumbers(column, op, value, mask, from, to);
  if (typeof value === 'string') {
    const orders = decideStrings(column, from, to, (text) => Math.sign(byteOrder(text, value)) + 1);
    for (let i = from; i < to; i++) if (orders[i] !== NOT_A_STRING && accepts[orders[i]!] === 1) mask[i] = 1;
    return;
  }
  // Bools compare by = and <> only; null matches nothing.
  if (typeof value === 'boolean' && (op === '=' || op === '<>')) {
    const wanted = (op === '=') === value ? 1 : 0;
    const { kinds, floats } = column;
    for (let i = from; i < to; i++) if (kinds[i] === ValueKind.Bool && (floats[i] !== 0 ? 1 : 0) === wanted) mask[i] = 1;
  }
}

/** Ints and floats numerically; ints beyond 2^53 exactly, through BigInt, only where they occur. */
function compareNumbers(column: Column, op: ComparisonOperator, value: number | bigint, mask: Uint8Array, from: number, to: number): void {
  const accepts = ACCEPTS[op];
  const { kinds, floats, ints } = column;
  const halves = new Int32Array(floats.buffer, floats.byteOffset, floats.length * 2);
  const target = Number(value);
  // A bigint constant beyond 2^53 has no exact number: every int row then goes through BigInt.
  const exactTarget = typeof value === 'number' || Number.isSafeInteger(target);
  for (let i = from; i < to; i++) {
    const kind = kinds[i];
    let x: number;
    if (kind === ValueKind.Float) x = floats[i]!;
    else if (kind === ValueKind.Int) {
      const high = halves[2 * i + 1]!;
      if (exactTarget && high >= -0x200000 && high < 0x200000) x = high * TWO_TO_32 + (halves[2 * i]! >>> 0);
      else {
        if (compare(ints[i]!, op, value)) mask[i] = 1;
        continue;
      }
    } else continue;
    // Without branches on the data: (less, equal, greater) → 0, 1, 2. NaN (0.0 / 0.0 in an
    // arithmetic operand) is in no order and matches nothing.
    mask[i] |= accepts[1 + Number(x > target) - Number(x < target)]! & Number(x === x);
  }
}

const NOT_A_STRING = 255;

/** `decide` of each string row of [from, to), computed once per entry of the column's string table; NOT_A_STRING for other rows. */
function decideStrings(column: Column, from: number, to: number, decide: (text: string) => number): Uint8Array {
  const { kinds, floats, strings } = column;
  const decided = new Uint8Array(strings.length).fill(NOT_A_STRING);
  const out = new Uint8Array(kinds.length).fill(NOT_A_STRING);
  for (let i = from; i < to; i++) {
    if (kinds[i] !== ValueKind.String) continue;
    const index = floats[i]!;
    let answer = decided[index]!;
    if (answer === NOT_A_STRING) decided[index] = answer = decide(strings[index]!);
    out[i] = answer;
  }
  return out;
}
