import { NumberText, type ExactValue, type SeriesChunk } from './series-chunk.js';

/**
 * Rows of CSV under one header, `series` then every column of the answer: what `sluice import`
 * reads back (strings are always quoted, so a string of digits stays a string; null is empty).
 */
export class CsvRows {
  constructor(private readonly columns: readonly string[]) {}

  header(): string {
    return `${['series', ...this.columns].map(quote).join(',')}\n`;
  }

  rows(chunk: SeriesChunk): string {
    const at = this.columns.map((column) => chunk.columns.indexOf(column));
    const name = quote(chunk.name);
    let text = '';
    for (const point of chunk.points) text += `${name},${at.map((i) => (i === -1 ? '' : field(point[i] ?? null))).join(',')}\n`;
    return text;
  }
}

function field(value: ExactValue): string {
  if (value === null) return '';
  if (value instanceof NumberText) return value.text;
  return typeof value === 'boolean' ? String(value) : quote(value);
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
