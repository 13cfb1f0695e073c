import type { Scalar } from '../engine/values.js';

/*
 * The target of `into` (continuous-queries.md §4): `:series_name` becomes the source (or
 * result) series name, `[col]` the value of column `col` in each point, which then leaves the
 * written columns. `[[col]]` is taken as `[col]` (Project rule).
 */

export const SERIES_NAME = ':series_name';

type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'series' } | { readonly kind: 'column'; readonly name: string };

export interface IntoTarget {
  readonly parts: readonly Part[];
  /** Columns named by `[col]` placeholders. */
  readonly columns: readonly string[];
}

export function parseIntoTarget(target: string): IntoTarget {
  const parts: Part[] = [];
  const columns: string[] = [];
  let text = '';
  for (let at = 0; at < target.length; ) {
    if (target.startsWith(SERIES_NAME, at)) {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'series' });
      at += SERIES_NAME.length;
      continue;
    }
    const doubled = target.startsWith('[[', at);
    const close = target.indexOf(doubled ? ']]' : ']', at);
    if (target[at] === '[' && close > at + (doubled ? 2 : 1)) {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      const name = target.slice(at + (doubled ? 2 : 1), close);
      parts.push({ kind: 'column', name });
      if (!columns.includes(name)) columns.push(name);
      at = close + (doubled ? 2 : 1);
      continue;
    }
    text += target[at];
    at++;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, columns };
}

/** The target name for one row; `value(name)` gives the row's value of that column, if any. */
export function interpolate(target: IntoTarget, series: string, value: (column: string) => Scalar | undefined): string {
  let name = '';
  for (const part of target.parts) {
    if (part.kind === 'text') name += part.text;
    else if (part.kind === 'series') name += series;
    else name += placeholderText(value(part.name));
  }
  return name;
}

/** int → decimal, float → shortest plain decimal, string as is; bool, null, absent → nothing. */
function placeholderText(value: Scalar | undefined): string {
  switch (typeof value) {
    case 'bigint':
    case 'string':
      return String(value);
    case 'number': {
      const text = String(value);
      return text.includes('e') ? value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : text;
    }
    default:
      return '';
  }
}
