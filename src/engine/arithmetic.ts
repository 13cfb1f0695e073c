import { allocateColumn, ValueKind, type Column } from '../storage/columns.js';
import type { Scalar } from './values.js';

/*
 * Select-list arithmetic (query-language.md §8) evaluated over whole column blocks: each
 * operator turns two operand columns into one result column in a single loop over typed
 * arrays, so a block of a thousand rows costs one pass per operator, not a closure per row.
 */

export type ArithmeticOperator = '+' | '-' | '*' | '/';

/**
 * An expression as the engine sees it; the planner builds it from the syntax tree. A leaf
 * names a column of the block it is evaluated over, so the same expression runs over a
 * series' blocks, a merged or joined block (prefixed names), or — for arithmetic between
 * aggregates — a block whose columns are the aggregates' outputs.
 */
export type Expression =
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'constant'; readonly value: Scalar }
  | { readonly kind: 'binary'; readonly op: ArithmeticOperator; readonly left: Expression; readonly right: Expression };

/** One output column of an arithmetic select: a column as stored, or an expression's result. */
export interface OutputColumn {
  readonly name: string;
  readonly expression: Expression;
}

/** The columns of one block, by name; a missing column reads as null in every row. */
export interface ColumnBlock {
  readonly count: number;
  column(name: string): Column | undefined;
}

/** Every output column over the block, in order; stored columns are passed through, not copied. */
export function evaluateOutputs(outputs: readonly OutputColumn[], block: ColumnBlock): Column[] {
  return outputs.map(({ name, expression }) => {
    const result = evaluate(expression, block);
    return 'kinds' in result ? { ...result, name } : constantColumn(name, result.value, block.count);
  });
}

/** An expression's value over a block: a column, or one value for every row (constants only). */
export type Operand = Column | { readonly value: Scalar };

export function evaluate(expression: Expression, block: ColumnBlock): Operand {
  switch (expression.kind) {
    case 'column':
      return block.column(expression.name) ?? { value: null };
    case 'constant':
      return { value: expression.value };
    case 'binary': {
      const left = evaluate(expression.left, block);
      const right = evaluate(expression.right, block);
      if (!('kinds' in left) && !('kinds' in right)) return { value: combineScalars(left.value, expression.op, right.value) };
      return combineColumns(reader(left), expression.op, reader(right), block.count);
    }
  }
}

/**
 * Row access shared by columns and constants: the kind of row i and its value as a number
 * (ints below 2^53 in magnitude exactly, read from their two 32-bit halves without a BigInt).
 */
interface OperandReader {
  kind(i: number): number;
  number(i: number): number;
  int(i: number): bigint;
}

const TWO_TO_32 = 2 ** 32;
const TWO_TO_31 = 2 ** 31;

function reader(operand: Operand): OperandReader {
  if (!('kinds' in operand)) {
    const { value } = operand;
    const kind = kindOf(value);
    const asNumber = typeof value === 'bigint' ? (isSafeInt(value) ? Number(value) : Number.NaN) : typeof value === 'number' ? value : Number.NaN;
    const asInt = typeof value === 'bigint' ? value : 0n;
    return { kind: () => kind, number: () => asNumber, int: () => asInt };
  }
  const { kinds, floats, ints } = operand;
  const halves = new Int32Array(floats.buffer, floats.byteOffset, floats.length * 2);
  return {
    kind: (i) => kinds[i]!,
    number: (i) => {
      if (kinds[i] !== ValueKind.Int) return floats[i]!;
      const high = halves[2 * i + 1]!;
      // Beyond 2^53 the exact value needs the BigInt path; NaN sends it there.
      return high >= -0x200000 && high < 0x200000 ? high * TWO_TO_32 + (halves[2 * i]! >>> 0) : Number.NaN;
    },
    int: (i) => ints[i]!,
  };
}

function kindOf(value: Scalar): number {
  if (value === null) return ValueKind.Null;
  if (typeof value === 'bigint') return ValueKind.Int;
  if (typeof value === 'number') return ValueKind.Float;
  if (typeof value === 'boolean') return ValueKind.Bool;
  return ValueKind.String;
}

const isNumericKind = (kind: number): boolean => kind === ValueKind.Int || kind === ValueKind.Float;
const isSafeInt = (value: bigint): boolean => value > -(2n ** 53n) && value < 2n ** 53n;

function combineColumns(left: OperandReader, op: ArithmeticOperator, right: OperandReader, count: number): Column {
  const out = allocateColumn('', count);
  const halves = new Int32Array(out.floats.buffer);
  for (let i = 0; i < count; i++) {
    const a = left.kind(i);
    const b = right.kind(i);
    if (!isNumericKind(a) || !isNumericKind(b)) continue; // §8 Project rules: null
    const x = left.number(i);
    const y = right.number(i);
    if (a === ValueKind.Int && b === ValueKind.Int) {
      const exact = Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : intResult(x, op, y);
      if (Number.isNaN(exact)) {
        const big = bigIntResult(left.int(i), op, right.int(i));
        if (big === null) continue;
        out.kinds[i] = ValueKind.Int;
        out.ints[i] = big;
      } else if (exact === Number.POSITIVE_INFINITY) {
        continue; // integer division by zero: null (§8 Project rule)
      } else {
        out.kinds[i] = ValueKind.Int;
        const high = Math.floor(exact / TWO_TO_32);
        halves[2 * i] = exact - high * TWO_TO_32;
        halves[2 * i + 1] = high;
      }
      continue;
    }
    out.kinds[i] = ValueKind.Float;
    // An int beyond 2^53 read as NaN; a float NaN (0.0 / 0.0 earlier in the expression) stays NaN.
    out.floats[i] = floatResult(a === ValueKind.Int && Number.isNaN(x) ? Number(left.int(i)) : x, op, b === ValueKind.Int && Number.isNaN(y) ? Number(right.int(i)) : y);
  }
  return out;
}

/**
 * int∘int on numbers when that is exact: the result, +Infinity for a division by zero, or
 * NaN when the exact result may lie beyond 2^53 (the caller then redoes it in BigInt).
 */
function intResult(x: number, op: ArithmeticOperator, y: number): number {
  switch (op) {
    case '+':
      return safeOrNaN(x + y);
    case '-':
      return safeOrNaN(x - y);
    case '*':
      return safeOrNaN(x * y);
    case '/':
      if (y === 0) return Number.POSITIVE_INFINITY;
      // Quotients of 32-bit operands are correctly rounded doubles, so truncating them is exact.
      return Math.abs(x) < TWO_TO_31 && Math.abs(y) < TWO_TO_31 ? Math.trunc(x / y) + 0 : Number.NaN;
  }
}

const safeOrNaN = (value: number): number => (Number.isSafeInteger(value) ? value : Number.NaN);

/** int64 arithmetic as Go does it: wrapping on overflow, division truncating toward zero. */
function bigIntResult(x: bigint, op: ArithmeticOperator, y: bigint): bigint | null {
  switch (op) {
    case '+':
      return BigInt.asIntN(64, x + y);
    case '-':
      return BigInt.asIntN(64, x - y);
    case '*':
      return BigInt.asIntN(64, x * y);
    case '/':
      return y === 0n ? null : BigInt.asIntN(64, x / y);
  }
}

/** Float arithmetic; a division by zero gives ±Infinity or NaN, which JSON output shows as null. */
function floatResult(x: number, op: ArithmeticOperator, y: number): number {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
  }
}

/** The same rules on two constants (`select 2 * 3 + value`), folded once per block. */
function combineScalars(a: Scalar, op: ArithmeticOperator, b: Scalar): Scalar {
  if (typeof a === 'bigint' && typeof b === 'bigint') return bigIntResult(a, op, b);
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return floatResult(Number(a), op, Number(b));
  return null;
}

function constantColumn(name: string, value: Scalar, count: number): Column {
  const column = allocateColumn(name, count);
  if (value === null) return column;
  column.kinds.fill(kindOf(value));
  if (typeof value === 'bigint') column.ints.fill(value);
  else if (typeof value === 'number') column.floats.fill(value);
  else if (typeof value === 'boolean') column.floats.fill(value ? 1 : 0);
  else {
    column.strings.push(value);
    column.floats.fill(0);
  }
  return { ...column, name };
}
