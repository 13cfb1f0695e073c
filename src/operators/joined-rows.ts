import { allocateColumn, slotWords, ValueKind, type Column, type SeriesColumns } from '../storage/columns.js';

/** One side's row waiting to be paired: where it already is, nothing copied. */
export interface PendingRow {
  readonly block: SeriesColumns;
  readonly row: number;
}

/**
 * The rows a join has paired so far, as one column block named `<label>.<column>` for every
 * column of every side, so that the where clause, arithmetic and the JSON encoder run over
 * joined rows exactly as they run over a stored block.
 */
export class JoinedRows {
  count = 0;
  readonly time: Float64Array;
  readonly seq: Float64Array;
  readonly columns: Column[];
  private readonly words: Uint32Array[];
  private readonly byName: Map<string, Column>;
  /** Source words of each block column, made once per block. */
  private readonly sourceWords = new WeakMap<Column, Uint32Array>();

  constructor(
    sides: readonly { readonly label: string; readonly columns: readonly string[] }[],
    readonly capacity: number,
  ) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.columns = sides.flatMap((side) => side.columns.map((c) => allocateColumn(`${side.label}.${c}`, capacity)));
    this.words = this.columns.map((c) => slotWords(c.floats));
    this.byName = new Map(this.columns.map((c) => [c.name, c]));
  }

  column(name: string): Column | undefined {
    return this.byName.get(name);
  }

  /**
   * Appends one joined row: the sides' values in side order (each block carries its side's
   * columns in the order given to the constructor), at the last side's time (§10.2).
   */
  add(rows: readonly PendingRow[]): void {
    const at = this.count++;
    const last = rows[rows.length - 1]!;
    this.time[at] = last.block.time[last.row]!;
    this.seq[at] = last.block.seq[last.row]!;
    let target = 0;
    for (const { block, row } of rows) {
      for (const source of block.columns) this.copyCell(source, row, target++, at);
    }
  }

  /** Empties the block for the next rows; what was encoded from it is already bytes. */
  clear(): void {
    this.count = 0;
    for (const column of this.columns) column.strings.length = 0;
  }

  private copyCell(source: Column, row: number, target: number, at: number): void {
    const column = this.columns[target]!;
    const kind = source.kinds[row]!;
    column.kinds[at] = kind;
    if (kind === ValueKind.String) {
      column.floats[at] = column.strings.push(source.strings[source.floats[row]!]!) - 1;
      return;
    }
    // As 32-bit words: an int64 read as a float may be a NaN pattern a float copy could change.
    let from = this.sourceWords.get(source);
    if (from === undefined) {
      from = slotWords(source.floats);
      this.sourceWords.set(source, from);
    }
    const to = this.words[target]!;
    to[2 * at] = from[2 * row]!;
    to[2 * at + 1] = from[2 * row + 1]!;
  }
}

