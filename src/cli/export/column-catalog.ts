import { NumberText, type ExactValue, type SeriesChunk } from './series-chunk.js';

/** What a column held across the whole answer; it decides the column's type in a CSV or Arrow file. */
export type ColumnKind = 'int' | 'float' | 'bool' | 'string' | 'mixed' | 'empty';

/**
 * The union of every series' columns, in order of first appearance, each with the kind of the
 * values it held. Built while the answer streams to a spool file, read when writing it out.
 */
export class ColumnCatalog {
  private readonly kinds = new Map<string, ColumnKind>();
  private pointCount = 0;

  get points(): number {
    return this.pointCount;
  }

  add(chunk: SeriesChunk): void {
    chunk.columns.forEach((column, i) => {
      let kind = this.kinds.get(column) ?? 'empty';
      for (const point of chunk.points) kind = widen(kind, kindOf(point[i] ?? null));
      this.kinds.set(column, kind);
    });
    this.pointCount += chunk.points.length;
  }

  columns(): [string, ColumnKind][] {
    return [...this.kinds];
  }
}

function kindOf(value: ExactValue): ColumnKind {
  if (value === null) return 'empty';
  if (value instanceof NumberText) return value.isInteger ? 'int' : 'float';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

function widen(a: ColumnKind, b: ColumnKind): ColumnKind {
  if (a === b || b === 'empty') return a;
  if (a === 'empty') return b;
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  return 'mixed';
}
