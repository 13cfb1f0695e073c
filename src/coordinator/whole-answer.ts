import { JsonWriter } from '../engine/json/json-writer.js';
import { seriesObjectTail, writeSeriesObjectHead, type Framing } from '../engine/json/series-json.js';

/** One series of a whole (non-chunked) answer as its sources gave it. */
export interface WholeSeries {
  readonly columns: readonly string[];
  /** The parts already hold the object's head and tail (a scan's seriesFramed pages). */
  readonly framed: boolean;
  /** Comma-joined rows, in order; a framed series' parts hold its head and tail too. */
  readonly parts: Uint8Array[];
  /** Rows in each part: a framed series' last part may be its tail alone (0). */
  readonly counts: number[];
}

/**
 * The answer's JSON array, one object per series in the order of `names`, written into one
 * buffer: a query over many series has a head per series, and a buffer per head and tail
 * joined at the end cost more than the rows.
 */
export function wholeAnswer(names: readonly string[], series: ReadonlyMap<string, WholeSeries>, framing: Framing): Uint8Array {
  const separator = framing.pretty ? ',\n' : ',';
  const tail = seriesObjectTail(framing);
  let size = 64;
  for (const { parts } of series.values()) for (const part of parts) size += part.length + 2;
  const out = new JsonWriter(size + names.length * 64);
  out.ascii(framing.pretty && names.length > 0 ? '[\n' : '[');
  names.forEach((name, index) => {
    const { columns, framed, parts, counts } = series.get(name)!;
    if (index > 0) out.ascii(separator);
    if (!framed) writeSeriesObjectHead(out, name, columns, framing);
    // Rows continued from an earlier part follow a separator; a tail alone (0 rows) does not.
    parts.forEach((part, i) => {
      if (i > 0 && counts[i]! > 0) out.ascii(separator);
      out.append(part);
    });
    if (!framed) out.ascii(tail);
  });
  out.ascii(framing.pretty && names.length > 0 ? '\n]' : ']');
  return out.bytes();
}
