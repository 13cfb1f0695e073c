import { allocateColumn, type Column } from '../storage/columns.js';
import { evaluateOutputs, type ColumnBlock, type Expression } from './arithmetic.js';
import { scalarAt, setScalar, type Scalar } from './values.js';

/*
 * Arithmetic between aggregates (`select mean(a) / count(a)`, `(sum(v) * 2) as x`): computed
 * on finished rows, a batch of rows at a time, by the same column evaluator as raw
 * arithmetic (arithmetic.ts), over a block whose columns are the aggregates' output cells.
 */

/** Where one output cell of an aggregate row comes from. */
export type CellSource =
  /** Aggregate cells copied as they are (a plain function item; histogram's two). */
  | { readonly kind: 'cells'; readonly from: number; readonly count: number }
  /** An expression whose column leaves name aggregate cells by index (`"0"`, `"1"`, …). */
  | { readonly kind: 'expression'; readonly expression: Expression };

export interface RowProjection {
  readonly sources: readonly CellSource[];
  /** Aggregate cells per input row, between its time and its group values. */
  readonly cells: number;
  /** Cells that are ints though finished as JS numbers (count's), for §8's int∘int rules. */
  readonly intCells: readonly number[];
}

/** Rows `[time, ...aggregate cells, ...group values]` → `[time, ...sources' cells, ...group values]`. */
export function projectRows(rows: readonly Scalar[][], projection: RowProjection): Scalar[][] {
  const block = cellBlock(rows, projection);
  const computed = evaluateOutputs(
    projection.sources.flatMap((source) => (source.kind === 'expression' ? [{ name: '', expression: source.expression }] : [])),
    block,
  );
  return rows.map((row, r) => {
    const out: Scalar[] = [row[0]!];
    let expression = 0;
    for (const source of projection.sources) {
      if (source.kind === 'cells') out.push(...row.slice(1 + source.from, 1 + source.from + source.count));
      else out.push(scalarAt(computed[expression++]!, r));
    }
    out.push(...row.slice(1 + projection.cells));
    return out;
  });
}

/** The rows' aggregate cells as columns named by index, each built when first read. */
function cellBlock(rows: readonly Scalar[][], projection: RowProjection): ColumnBlock {
  const built = new Map<string, Column>();
  return {
    count: rows.length,
    column(name) {
      const cell = Number(name);
      if (!Number.isInteger(cell) || cell < 0 || cell >= projection.cells) return undefined;
      let column = built.get(name);
      if (column === undefined) {
        column = allocateColumn(name, rows.length);
        const isInt = projection.intCells.includes(cell);
        for (let r = 0; r < rows.length; r++) {
          const value = rows[r]![1 + cell]!;
          setScalar(column, r, isInt && typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value);
        }
        built.set(name, column);
      }
      return column;
    },
  };
}
